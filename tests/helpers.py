"""Plain helpers the tests share: Bali's clock, admin addresses, donor sessions, the forms a
donor sends, and payments verified as staff verify them. Fixtures are in tests/conftest.py."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from core.uploads import clean_evidence
from premiums import services
from premiums.models import PaymentEvidence
from tests.factories import (
    DonorFactory,
    PaymentEvidenceFactory,
    PremiumPaymentFactory,
    StaffFactory,
)
from tests.images import upload

#: Bali's time zone (WITA, UTC+8, no summer time): the program's days begin at its midnight.
WITA = ZoneInfo("Asia/Makassar")


def at(*args) -> dt.datetime:
    """A moment in Bali: at(2026, 11, 22, 10) is 10:00 on 22 November 2026, WITA."""
    return dt.datetime(*args, tzinfo=WITA)


def frozen_at(moment: dt.datetime):
    """A mark for a test, or for a whole module as `pytestmark`: the clock stands still at
    `moment` (time_machine's own mark). The `frozen` fixture moves it on within a test."""
    return pytest.mark.time_machine(moment, tick=False)


# --- addresses and sessions ------------------------------------------------------------------


def admin_url(model, view, *args) -> str:
    """The admin's page `view` ("changelist", "add", "change", "export", …) for `model`."""
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def admin_action(client, model, action, objects, *, query="", follow=False, **form):
    """Staff run `action` on `objects` from the admin list of `model` (`query`: the list's
    filters; `form`: the confirmation page's fields, such as post="yes" and a reason)."""
    return client.post(
        admin_url(model, "changelist") + query,
        {"action": action, "_selected_action": [o.pk for o in objects], **form},
        follow=follow,
    )


def sign_in_donor(client, token, language="en"):
    """Open a private link as the email does: the donor session is then in `client`."""
    response = client.get(f"/{language}/donor/{token}/")
    assert response.status_code == 302, response.status_code
    return response


def client_of(donor, **options) -> Client:
    """A new client holding `donor`'s session, opened with a fresh private link."""
    client = Client(**options)
    sign_in_donor(client, donor.issue_link(days=90))
    return client


# --- what a donor sends ----------------------------------------------------------------------


def pledge_form(**fields) -> dict:
    """The pledge form as a donor fills it in; `fields` change it, and a field given as None
    is left out (a box not ticked, a field not sent)."""
    form = {
        "full_name": "Ayu Lestari",
        "display_name": "A.L.",
        "listed_publicly": "on",
        "email": "ayu@example.org",
        "phone": "0813 3800 1234",
        "country": "ID",
        "language": "en",
        "first_month": "2026-12-01",
        "years": "1",
        "route": "direct",
        **fields,
    }
    return {name: value for name, value in form.items() if value is not None}


def send_evidence(client, payment, content=None, name="receipt.png", **options):
    """The donor's upload of evidence for `payment` (a small PNG unless `content` is given)."""
    return client.post(
        f"/en/donor/payments/{payment.pk}/evidence/", {"file": upload(content, name)}, **options
    )


def add_evidence(client, payment, content=None, name="receipt.png"):
    """Staff's upload of evidence for `payment` in the admin (a small PNG unless given)."""
    return client.post(
        admin_url(PaymentEvidence, "add"), {"payment": payment.pk, "file": upload(content, name)}
    )


def receipt():
    """A receipt photo, checked and cleaned as the upload forms do before it is stored."""
    return clean_evidence(upload())


# --- payments ----------------------------------------------------------------------------------


def verify(payment, by=None):
    """Evidence for `payment`, verified by `by` (a new staff member unless given) through the
    service: coverage, the lapse day, history and the donor's messages as in real life."""
    services.verify_evidence(PaymentEvidenceFactory(payment=payment), by=by or StaffFactory())
    payment.sponsorship.refresh_from_db()
    payment.refresh_from_db()
    return payment


def pay(sponsorship, by=None, **payment):
    """A payment of `sponsorship` (a year from its first month unless `payment` says otherwise),
    with its evidence verified: see `verify`."""
    return verify(PremiumPaymentFactory(sponsorship=sponsorship, **payment), by)


def pledge_through_service(recipient_id, first_month, months=12):
    """A new donor's pledge through the service itself (what the public form calls)."""
    return services.create_pledge(
        recipient_id=recipient_id,
        donor=DonorFactory.build(),
        first_month=first_month,
        months=months,
        route="direct",
    )
