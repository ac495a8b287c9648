"""Who may open what: every URL pattern of the project, for five kinds of visitor.

The table below is the access policy. Each row names a URL pattern, the method, the objects
its arguments come from, and the status each visitor gets:

    anonymous   no session at all
    donor A     a donor session opened by A's private link; the objects belong to A
    donor B     a donor session of another donor, who has a sponsorship of their own
    volunteer   staff (is_staff), in the Volunteer group: no evidence, no private data
    coordinator a superuser

Donors' pages without a donor session redirect (302) to "send me my link"; another donor's
objects are 404, never 403, so their existence is not revealed. Staff pages redirect
everyone else to the staff login. A URL pattern missing from the table fails
test_every_url_pattern_is_in_the_table: add its row when adding a URL.
"""

import datetime as dt

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse

from donations.models import Sponsorship
from tests.factories import (
    ClaimDocumentFactory,
    DonorFactory,
    HandoverPhotoFactory,
    PaymentEvidenceFactory,
    PremiumPaymentFactory,
    RecipientFactory,
    RefundFactory,
    SponsorshipFactory,
)
from tests.helpers import at, sign_in_donor
from tests.images import jpeg_bytes

NOW = at(2026, 11, 22, 10, 0)

VISITORS = ("anonymous", "donor A", "donor B", "volunteer", "coordinator")
ALL_200 = (200, 200, 200, 200, 200)
ALL_302 = (302, 302, 302, 302, 302)
ALL_404 = (404, 404, 404, 404, 404)
ALL_405 = (405, 405, 405, 405, 405)  # the method is not allowed
STAFF = (302, 302, 302, 200, 200)  # everyone else to the staff login
COORDINATOR = (302, 302, 302, 403, 200)  # volunteers lack the permission
STAFF_404 = (302, 302, 302, 404, 404)
DONOR = (302, 200, 200, 302, 302)  # the signed-in donor's own page; others to the link form
A_ONLY = (302, 200, 404, 302, 302)  # A's object: B gets 404
A_ACTS = (302, 302, 404, 302, 302)  # an action on A's object: A is sent back to the page
DONOR_NO_YEAR = (302, 404, 404, 302, 302)  # a donor's statement PDF without ?year=: "choose one"

# fmt: off
#: (url name, method, "url kwarg=object of the world", expected status per visitor)
MATRIX = [
    ("healthz",                                   "GET",  "",                 ALL_200),
    ("home",                                      "GET",  "",                 ALL_200),
    ("contact",                                   "GET",  "",                 ALL_200),
    ("staff_dashboard",                           "GET",  "",                 STAFF),
    ("staff_outbox",                              "GET",  "",                 COORDINATOR),
    ("staff_2fa_setup",                           "GET",  "",                 STAFF),
    # No QR code without a setup under way in this session.
    ("staff_2fa_setup_qr",                        "GET",  "",                 STAFF_404),
    # Only for a session that passed a second factor.
    ("staff_2fa_backup_codes",                    "GET",  "",                 ALL_302),
    # The admin: its index and two lists stand for its pages.
    ("admin:index",                               "GET",  "",                 STAFF),
    ("admin:recipients_recipient_changelist",     "GET",  "",                 STAFF),
    ("admin:premiums_paymentevidence_changelist", "GET",  "",                 COORDINATOR),
    ("premiums:staff_evidence_file",              "GET",  "evidence_id=evidence", COORDINATOR),
    ("claims:scan",                               "GET",  "document_id=scan", COORDINATOR),
    # Public pages; photos only with consent.
    ("donations:recipient_list",                           "GET",  "",                 ALL_200),
    ("donations:recipient_detail",                         "GET",  "pk=waiting",       ALL_200),
    ("recipients:photo",                          "GET",  "pk=pictured",      ALL_200),
    ("recipients:photo",                          "GET",  "pk=waiting",       ALL_404),
    ("recipients:handover_photo",                 "GET",  "pk=public_photo",  ALL_200),
    ("recipients:handover_photo",                 "GET",  "pk=photo",         ALL_404),
    ("claims:help_provided",                      "GET",  "",                 ALL_200),
    ("donations:list",                            "GET",  "",                 ALL_200),
    ("premiums:pledge",                           "GET",  "pk=waiting",       ALL_200),
    ("premiums:pledge",                           "POST", "pk=waiting",       ALL_200),  # errors
    ("premiums:pledge",                           "GET",  "pk=sponsored",     ALL_200),  # taken
    # Only right after one's own pledge, in the same session.
    ("premiums:pledge_thanks",                    "GET",  "pk=waiting",       ALL_404),
    ("donations:link",                            "GET",  "",                 ALL_200),
    ("donations:link",                            "POST", "",                 ALL_200),
    # A private link opens a session for whoever holds it; a bad one is 404 for all.
    ("donations:private",                         "GET",  "token=token_a",    ALL_302),
    ("donations:private",                         "GET",  "token=bad_token",  ALL_404),
    ("donations:private",                         "GET",  "token=revoked",    ALL_404),
    # The donor's pages and actions, from the donor session.
    ("donations:page",                            "GET",  "",                 DONOR),
    ("donations:page",                            "POST", "",                 ALL_405),
    ("donations:statement",                       "GET",  "",                 DONOR),
    # Without ?year=, a donor gets the page that says so (tests/donations/test_statement_pdf.py).
    ("donations:statement_pdf",                   "GET",  "",                 DONOR_NO_YEAR),
    ("donations:leave",                           "POST", "",                 ALL_302),
    ("donations:leave",                           "GET",  "",                 ALL_405),
    ("donations:photo",                           "GET",  "photo_id=photo",   A_ONLY),
    ("donations:photo_thumbnail",                 "GET",  "photo_id=photo",   A_ONLY),
    ("premiums:donor_evidence_file",              "GET",  "evidence_id=evidence", A_ONLY),
    ("premiums:upload_evidence",                  "POST", "payment_id=payment", A_ACTS),
    ("premiums:upload_evidence",                  "GET",  "payment_id=payment", ALL_405),
    ("premiums:next_payment",                     "POST", "sponsorship_id=sponsorship", A_ACTS),
    ("premiums:next_payment",                     "GET",  "sponsorship_id=sponsorship", ALL_405),
    ("donations:request",                         "POST", "sponsorship_id=sponsorship", A_ACTS),
    ("donations:request",                         "GET",  "sponsorship_id=sponsorship", ALL_405),
    ("donations:decision",                        "POST", "sponsorship_id=asked", A_ACTS),
    ("donations:decision",                        "GET",  "sponsorship_id=asked", ALL_405),
    ("premiums:paypal_paid",                      "POST", "payment_id=payment", A_ACTS),
    ("premiums:paypal_paid",                      "GET",  "payment_id=payment", ALL_405),
    ("premiums:refund_choice",                    "POST", "refund_id=refund", A_ACTS),
    ("premiums:refund_choice",                    "GET",  "refund_id=refund", ALL_405),
    ("premiums:pledge_again",                     "GET",  "pk=waiting",       DONOR),
    ("premiums:pledge_again",                     "POST", "pk=waiting",       DONOR),  # errors
]
# fmt: on

#: Admin pages in the table; the admin's other pages are Django's and left to its own tests.
ADMIN_ROWS = {name for name, *_ in MATRIX if name.startswith("admin:")}
#: Django's language switch (a POST to set a cookie), not a page of ours.
LEFT_OUT = {"set_language"}


def url_patterns(patterns=None, prefix="", namespace=""):
    """(route, name) of every URL pattern, the includes walked recursively."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(filter(None, [namespace, pattern.namespace]))
            yield from url_patterns(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        else:
            name = pattern.name and ":".join(filter(None, [namespace, pattern.name]))
            yield prefix + str(pattern.pattern), name


def test_every_url_pattern_is_in_the_table():
    in_table = {name for name, *_ in MATRIX}
    project = set()
    for route, name in url_patterns():
        key = name or route
        if key in LEFT_OUT or (route.startswith("admin/") and key not in ADMIN_ROWS):
            continue
        project.add(key)
    assert project - in_table == set(), "URL patterns without a row in the access matrix"
    assert in_table - project == set(), "rows for URL patterns that no longer exist"


@pytest.fixture
def world(db, standard_rate):
    with time_machine.travel(NOW, tick=False):
        donor_a = DonorFactory(full_name="Donor Alpha")
        donor_b = DonorFactory(full_name="Donor Beta")
        sponsorship = SponsorshipFactory(
            donor=donor_a, first_month=dt.date(2026, 12, 1), state=Sponsorship.State.ACTIVE
        )
        SponsorshipFactory(donor=donor_b, first_month=dt.date(2026, 12, 1))
        payment = PremiumPaymentFactory(sponsorship=sponsorship)
        photo = HandoverPhotoFactory(handover__card__recipient=sponsorship.recipient)
        revoked = donor_a.issue_link(days=90)
        donor_a.access_tokens.update(revoked_at=NOW)
        return {
            "donor_a": donor_a,
            "token_a": donor_a.issue_link(days=90),
            "token_b": donor_b.issue_link(days=90),
            "revoked": revoked,
            "bad_token": "x" * 32,
            "sponsorship": sponsorship,
            "sponsored": sponsorship.recipient,
            "payment": payment,
            "evidence": PaymentEvidenceFactory(payment=payment),
            "refund": RefundFactory(payment=payment),
            # Donor A is asked to decide about another person they sponsor.
            "asked": SponsorshipFactory(
                donor=donor_a,
                first_month=dt.date(2026, 12, 1),
                state=Sponsorship.State.AWAITING_DECISION,
            ),
            "scan": ClaimDocumentFactory(
                scan=ContentFile(jpeg_bytes((40, 30)), name="s.jpg"), content_type="image/jpeg"
            ),
            "photo": photo,
            "public_photo": HandoverPhotoFactory(public_consent=True),
            "waiting": RecipientFactory(),
            "pictured": RecipientFactory(
                photo=ContentFile(jpeg_bytes((80, 60)), name="p.jpg"), photo_consent=True
            ),
        }


@pytest.fixture
def visitors(world, volunteer_client, staff_client):
    anonymous, a, b = Client(), Client(), Client()
    sign_in_donor(a, world["token_a"])
    sign_in_donor(b, world["token_b"])
    return anonymous, a, b, volunteer_client, staff_client


def row_id(row):
    name, method, kwargs, _ = row
    return f"{method} {name} {kwargs}".strip()


@pytest.mark.parametrize("row", MATRIX, ids=[row_id(row) for row in MATRIX])
def test_access(row, world, visitors):
    name, method, kwargs, expected = row
    key, _, value = kwargs.partition("=")
    address = reverse(name, kwargs={key: _arg(world[value])} if key else {})
    got = []
    for client in visitors:
        response = client.get(address) if method == "GET" else client.post(address, {})
        got.append(response.status_code)
    assert dict(zip(VISITORS, got, strict=True)) == dict(zip(VISITORS, expected, strict=True))


def _arg(value):
    return getattr(value, "pk", value)
