"""The query budget of every page the benchmark drives (bench/web.py), in one place.

Each page is requested once to warm up, then once more with its queries counted; then the data
grows tenfold (SMALL to LARGE units, see World.grow) and the page is counted again. The count
must not grow with the data, and must stay within the page's budget below. The budgets are a
ceiling: a change that saves a query passes, and the table can then be lowered.

Public pages are cached for anonymous visitors; the budgets are those of the page computed
afresh (the `no_page_cache` fixture). What a cache hit costs is pinned separately.
"""

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import connection

from bench.data import evidence_row, handover_row, payment_row, photo_row, sponsorship_row
from donations.models import Donor, DonorRequest, Message, Sponsorship
from premiums.models import PaymentEvidence, PremiumPayment, Refund
from recipients.models import (
    BpjsCard,
    CardHandover,
    HandoverPhoto,
    Occupation,
    Recipient,
    Regency,
    SituationUpdate,
)
from tests.factories import DonorFactory
from tests.helpers import WITA, at, frozen_at, sign_in_donor

# Queries of one warm request for each page, at any size of data (the labels of bench/web.py).
# Every public page and the donor's page also read BCC's contact details for the footer: one
# cache read (the data version and the details together), a query with the database cache.
FOOTER = 1
BUDGETS = {
    # The rate table, benefits, five figures, the three people waiting longest, the benefits
    # paid to families, the newest consented handover photos.
    "home": 10 + FOOTER,
    # The paginator's count, one page of people (any page).
    "recipients": 2 + FOOTER,
    "recipients deep": 2 + FOOTER,
    # The person, and whether they are still waiting.
    "recipient": 2 + FOOTER,
    # The paginator's count, one page of donors with their figures, the totals.
    "donors": 3 + FOOTER,
    # Count and page of handovers, their photos, five figures, two queries by year; the benefits
    # paid (figures, by year, the list) and the people protected by regency (claims app).
    "help provided": 14 + FOOTER,
    # The session, the link with its donor, the sponsorships and seven prefetches (payments,
    # evidence, refunds, situation updates, handovers, photos, requests), the request form's
    # choices, the people waiting, the messages.
    "donor private page": 13 + FOOTER,
    # The session, the user, sixteen queries of figures (see tests/test_dashboard.py), three
    # of claims and milestones (tests/claims/test_claims_dashboard.py).
    "staff dashboard": 19,
    # The session, the user, the years of the year filter, the count, the page; on PostgreSQL
    # first the table's estimated size (core/paginators.py).
    "payments admin": 6 if connection.vendor == "postgresql" else 5,
}
# A public page served to an anonymous visitor from the cache (a database table here): the
# data version and the page, fetched together.
CACHE_HIT_BUDGET = 1

#: The two sizes of data, in units of World.grow.
SMALL, LARGE = 3, 30

NOW = at(2026, 11, 22, 10, 0)
TODAY = NOW.date()
MONTHLY = 16_800  # the standard rate: JKK Rp 10,000 + JKM Rp 6,800
PAGE_SIZE = 12  # the recipients list (donations.views.RECIPIENTS_PAGE_SIZE)

pytestmark = frozen_at(NOW)


# --- the data --------------------------------------------------------------------------------


class World:
    """The program, grown a unit at a time with bulk inserts (no files written, no signals).

    One unit is:
    - PAGE_SIZE people waiting for a sponsor ("Waiting 4.0" to "Waiting 4.11"), each unit's
      waiting longer than the one before, so the newest unit's people come first;
    - "Covered i": sponsored by a listed donor ("Listed i"), paid March 2026 to February 2027
      (verified, with evidence), the next year paid and its evidence awaiting verification;
      card handed over (documentation not yet sent) with a public photo;
    - "Owned i": sponsored by the owner of the private page, paid through December 2026 in
      three payments of four months, each with verified evidence, the next payment's evidence
      awaiting verification; card handed over with a photo, a situation update, an open
      request to stop, a message;
    - "Deciding i": a sponsorship awaiting the donor's decision of an unlisted donor, a verified
      year in 2025, a card not yet handed over, a refund outstanding.
    """

    def __init__(self, staff, owner):
        self.staff = staff
        self.owner = owner
        self.token = owner.issue_link(days=90)
        self.units = 0

    def grow(self, n: int) -> None:
        first, self.units = self.units, self.units + n
        units = range(first, self.units)
        recipients = {}
        for i in units:
            for k in range(PAGE_SIZE):
                recipients[f"Waiting {i}.{k}"] = dt.date(2025, 12, 31) - dt.timedelta(
                    days=PAGE_SIZE * i + k
                )
            for kind in ("Covered", "Owned", "Deciding"):
                recipients[f"{kind} {i}"] = dt.date(2025, 1, 1)
        people = {
            r.nickname: r
            for r in Recipient.objects.bulk_create(
                [
                    Recipient(
                        nickname=name,
                        full_name=f"I {name} Sudarma",
                        occupation=Occupation.COCONUT_CLIMBER,
                        regency=Regency.KARANGASEM,
                        story="Climbs coconut trees every day to feed three children.",
                        waiting_since=since,
                    )
                    for name, since in recipients.items()
                ]
            )
        }
        donors = {}
        for i in units:
            donors[f"Listed {i}"] = DonorFactory.build(display_name=f"Listed {i}")
            donors[f"Quiet {i}"] = DonorFactory.build(listed_publicly=False)
        Donor.objects.bulk_create(donors.values())

        def sponsorship(donor, nickname, first_month, **fields):
            return sponsorship_row(donor, people[nickname], first_month, activated_at=NOW, **fields)

        active = Sponsorship.State.ACTIVE
        sponsorships = {}
        for i in units:
            # Evidence awaiting verification holds off a lapse: lapses_on is None.
            sponsorships[f"Covered {i}"] = sponsorship(
                donors[f"Listed {i}"],
                f"Covered {i}",
                dt.date(2026, 3, 1),
                state=active,
                covered_through=dt.date(2027, 2, 1),
            )
            sponsorships[f"Owned {i}"] = sponsorship(
                self.owner,
                f"Owned {i}",
                dt.date(2026, 1, 1),
                state=active,
                covered_through=dt.date(2026, 12, 1),
            )
            sponsorships[f"Deciding {i}"] = sponsorship(
                donors[f"Quiet {i}"],
                f"Deciding {i}",
                dt.date(2025, 1, 1),
                state=Sponsorship.State.AWAITING_DECISION,
                covered_through=dt.date(2025, 12, 1),
                decision_requested_at=NOW,
            )
        Sponsorship.objects.bulk_create(sponsorships.values())

        def payment(nickname, first_month, months, verified_on=None):
            """A payment; verified at 09:00 on `verified_on` by the staff member, or pending."""
            verified_at = verified_on and dt.datetime.combine(verified_on, dt.time(9), WITA)
            return payment_row(
                sponsorships[nickname], first_month, months, MONTHLY, verified_at, self.staff
            )

        payments = []
        for i in units:
            payments += [
                payment(f"Covered {i}", dt.date(2026, 3, 1), 12, dt.date(2026, 3, 5)),
                payment(f"Covered {i}", dt.date(2027, 3, 1), 12),
                payment(f"Deciding {i}", dt.date(2025, 1, 1), 12, dt.date(2025, 1, 5)),
            ]
            for month in (1, 5, 9):
                start = dt.date(2026, month, 1)
                payments.append(payment(f"Owned {i}", start, 4, start + dt.timedelta(days=4)))
            payments.append(payment(f"Owned {i}", dt.date(2027, 1, 1), 12))
        PremiumPayment.objects.bulk_create(payments)
        PaymentEvidence.objects.bulk_create(
            [evidence_row(p, "budgets", received_at=p.verified_at or NOW) for p in payments]
        )
        Refund.objects.bulk_create(
            [
                Refund(payment=p, unused_months=3, amount=3 * MONTHLY)
                for p in payments
                if p.sponsorship.state == Sponsorship.State.AWAITING_DECISION
            ]
        )

        cards = BpjsCard.objects.bulk_create(
            [
                BpjsCard(
                    recipient=people[f"{kind} {i}"],
                    participant_number=f"{26_000_000_000 + 3 * i + j}",
                    issued_on=dt.date(2026, 10, 1),
                    recorded_by=self.staff,
                )
                for i in units
                for j, kind in enumerate(("Covered", "Owned", "Deciding"))
            ]
        )
        # Handed over today, after the owner pledged: the private page shows them. Only the
        # owner's documentation has been sent. "Deciding" cards await their handover.
        handovers = CardHandover.objects.bulk_create(
            [
                handover_row(
                    card,
                    TODAY,
                    self.staff,
                    "Banjar Tabola",
                    documentation_sent_at=NOW if card.recipient.nickname[0] == "O" else None,
                )
                for card in cards
                if card.recipient.nickname[0] != "D"
            ]
        )
        HandoverPhoto.objects.bulk_create(
            [photo_row(h, "budgets", f"Handover {h.pk}", public_consent=True) for h in handovers]
        )
        SituationUpdate.objects.bulk_create(
            [
                SituationUpdate(
                    recipient=people[f"Owned {i}"],
                    kind=SituationUpdate.Kind.FINANCES_IMPROVED,
                    happened_on=TODAY,
                    message="Opened a small shop.",
                    recorded_by=self.staff,
                )
                for i in units
            ]
        )
        DonorRequest.objects.bulk_create(
            [
                DonorRequest(sponsorship=sponsorships[f"Owned {i}"], kind=DonorRequest.Kind.STOP)
                for i in units
            ]
        )
        Message.objects.bulk_create(
            [
                Message(
                    donor=self.owner,
                    sponsorship=sponsorships[f"Owned {i}"],
                    kind=Message.Kind.EVIDENCE_VERIFIED,
                    status=Message.Status.SENT,
                    sent_at=NOW,
                )
                for i in units
            ]
        )

    @property
    def newest(self) -> int:
        """The number of the newest unit."""
        return self.units - 1

    @property
    def deep_page(self) -> int:
        """Halfway through the list of people waiting (a unit is a page of it)."""
        return self.units // 2 + 1

    def waiting_recipient(self) -> Recipient:
        return Recipient.objects.get(nickname=f"Waiting {self.newest}.0")


@pytest.fixture
def world(standard_rate, staff):
    # Not listed: the public list shows the "Listed" donors only.
    return World(staff, DonorFactory(full_name="Owner Person", listed_publicly=False))


# --- the pages -------------------------------------------------------------------------------


def as_visitor(client, world):
    pass


def as_donor(client, world):
    sign_in_donor(client, world.token)


def as_staff(client, world):
    # Two-factor login is off in the test settings, as in the benchmark.
    client.force_login(world.staff)


def text(response) -> str:
    return response.content.decode()


def shows_home(world, response):
    body = text(response)
    # The three people waiting longest (the newest unit's) and the figures of the whole world.
    assert f"Waiting {world.newest}.11" in body
    protected_now = (
        '<div class="fs-2 fw-semibold">{}</div><div class="small text-muted">people protected now'
    )
    assert protected_now.format(2 * world.units) in body


def shows_recipients(world, response):
    body = text(response)
    assert f"{PAGE_SIZE * world.units} people are waiting for a sponsor." in body
    assert f"Page 1 of {world.units}" in body
    assert f"Waiting {world.newest}.11" in body
    assert body.count('class="card h-100') == PAGE_SIZE


def shows_deep_page(world, response):
    body = text(response)
    page = world.deep_page
    assert f"Page {page} of {world.units}" in body
    # A page is a unit, longest waiting first: page p shows unit (units - p).
    assert f"Waiting {world.units - page}.11" in body
    assert f"Waiting {world.units - page}.0" in body
    assert body.count('class="card h-100') == PAGE_SIZE


def shows_recipient(world, response):
    body = text(response)
    assert f"Waiting {world.newest}.0" in body
    assert f"Sponsor Waiting {world.newest}.0" in body  # still waiting: the pledge button


def shows_donors(world, response):
    body = text(response)
    # The owner is active too, but not named; the unlisted donors' sponsorships are not in force.
    assert f"{world.units} donors are named here, and 1 anonymous donor." in body
    assert f"<td>Listed {world.newest}</td>" in body
    assert "Owner Person" not in body


def shows_help_provided(world, response):
    body = text(response)
    handovers = body.split('id="handovers"')[1]
    # Newest first: the newest unit's two handovers lead a full page.
    assert f"Owned {world.newest}" in handovers
    assert f"Covered {world.newest}" in handovers
    assert handovers.count('class="card h-100') == min(PAGE_SIZE, 2 * world.units)
    pages = -(-2 * world.units // PAGE_SIZE)
    assert pages == 1 or f"Page 1 of {pages}" in handovers


def shows_private_page(world, response):
    body = text(response)
    assert "Hello Owner Person" in body
    assert body.count('<section class="card mb-4" id="sponsorship-') == world.units
    assert f"Owned {world.newest}" in body
    assert body.count('class="evidence evidence-') == 4 * world.units
    assert body.count("/en/donor/photos/") == 2 * world.units  # a photo and its thumbnail


def shows_dashboard(world, response):
    body = text(response)

    def count(queue):
        found = re.search(
            rf'id="queue-{queue}".*?<span class="queue-count">(\d+)</span>', body, re.S
        )
        return int(found.group(1))

    assert count("evidence") == 2 * world.units
    assert count("undocumented") == world.units
    assert count("awaiting_handover") == world.units
    assert count("awaiting_decision") == world.units
    assert count("open_requests") == world.units
    assert count("refunds") == world.units
    assert count("waiting") == PAGE_SIZE * world.units


def shows_payments(world, response):
    body = text(response)
    assert response.context["cl"].result_count == 7 * world.units
    # Newest first month first: the newest unit's next year, March 2027.
    assert f"→ Covered {world.newest}</a>" in body
    assert body.count('name="_selected_action"') == min(50, 7 * world.units)


@dataclass(frozen=True)
class Page:
    sign_in: Callable
    path: Callable[[World], str]
    shows: Callable


PAGES = {
    "home": Page(as_visitor, lambda w: "/en/", shows_home),
    "recipients": Page(as_visitor, lambda w: "/en/recipients/", shows_recipients),
    "recipients deep": Page(
        as_visitor, lambda w: f"/en/recipients/?page={w.deep_page}", shows_deep_page
    ),
    "recipient": Page(
        as_visitor, lambda w: f"/en/recipients/{w.waiting_recipient().pk}/", shows_recipient
    ),
    "donors": Page(as_visitor, lambda w: "/en/donors/", shows_donors),
    "help provided": Page(as_visitor, lambda w: "/en/help-provided/", shows_help_provided),
    "donor private page": Page(as_donor, lambda w: "/en/donor/", shows_private_page),
    "staff dashboard": Page(as_staff, lambda w: "/staff/", shows_dashboard),
    "payments admin": Page(as_staff, lambda w: "/admin/premiums/premiumpayment/", shows_payments),
}
PUBLIC = [name for name, page in PAGES.items() if page.sign_in is as_visitor]


def test_every_page_has_a_budget():
    assert PAGES.keys() == BUDGETS.keys()


def counted(client, world, name, django_assert_max_num_queries):
    """The queries of a warm request for page `name`, within its budget; checks what it shows."""
    page = PAGES[name]
    path = page.path(world)
    warm = client.get(path)
    assert warm.status_code == 200, (path, warm.status_code)
    with django_assert_max_num_queries(BUDGETS[name]) as captured:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    page.shows(world, response)
    return [q["sql"] for q in captured.captured_queries]


@pytest.mark.parametrize("name", BUDGETS, ids=lambda name: name.replace(" ", "-"))
def test_its_queries_do_not_grow_with_the_data(
    client, world, no_page_cache, django_assert_max_num_queries, name
):
    PAGES[name].sign_in(client, world)
    world.grow(SMALL)
    small = counted(client, world, name, django_assert_max_num_queries)
    world.grow(LARGE - SMALL)
    large = counted(client, world, name, django_assert_max_num_queries)
    assert len(large) == len(small), "\n\n".join(
        [f"{name}: {len(small)} queries at {SMALL} units, {len(large)} at {LARGE}:", *large]
    )


def test_a_cached_public_page_takes_only_the_cache_lookup(
    client, world, django_assert_max_num_queries
):
    world.grow(LARGE)
    for name in PUBLIC:
        path = PAGES[name].path(world)
        built = client.get(path)
        assert built.status_code == 200 and built.context is not None  # computed, then kept
        with django_assert_max_num_queries(CACHE_HIT_BUDGET):
            hit = client.get(path)
        assert hit.status_code == 200, (name, hit.status_code)
        assert hit.context is None, name  # served from the cache, not rendered
        assert hit.content == built.content, name
        PAGES[name].shows(world, built)
