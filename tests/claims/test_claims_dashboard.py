"""The claims part of the staff dashboard: open claims by deadline (a late one stands out) and
the workers who reached three years of contributions, in queries that do not grow."""

import datetime as dt

import pytest
import time_machine

from claims import services
from claims.models import Claim
from tests.factories import RecipientFactory, SponsorshipFactory
from tests.helpers import at, pay

pytestmark = pytest.mark.django_db

NOW = at(2026, 11, 22, 10)


def open_accident(recipient, when):
    return services.open_claim(
        Claim(
            recipient=recipient,
            kind=Claim.Kind.ACCIDENT,
            accident_at=when,
            place="Sawah",
            what_happened="Cut by a sickle",
        ),
        by=None,
    )


def three_years_paid(staff, nickname):
    with time_machine.travel(at(2023, 12, 20, 9), tick=False):
        sponsorship = SponsorshipFactory(
            recipient=RecipientFactory(nickname=nickname), first_month=dt.date(2024, 1, 1)
        )
        pay(sponsorship, by=staff, months=36)
    return sponsorship


def grow(staff, n):
    for i in range(n):
        three_years_paid(staff, f"Milestone {i}")
        open_accident(RecipientFactory(nickname=f"Hurt {i}"), at(2026, 11, 21, 8))


def test_it_lists_open_claims_by_deadline_and_the_late_one_stands_out(staff_client, staff):
    late = open_accident(RecipientFactory(nickname="Nyoman"), at(2026, 11, 19, 8))
    soon = open_accident(RecipientFactory(nickname="Komang"), at(2026, 11, 21, 8))
    scholarship = services.open_claim(
        Claim(
            recipient=RecipientFactory(nickname="Putu"),
            kind=Claim.Kind.SCHOLARSHIP,
            happened_on=dt.date(2026, 11, 1),
            children=1,
        ),
        by=None,
    )
    with time_machine.travel(NOW, tick=False):
        body = staff_client.get("/staff/").content.decode()
    section = body.split('id="open-claims"')[1].split("</ul>")[0]
    assert section.index("Nyoman") < section.index("Komang") < section.index("Putu")
    assert "3 open claims, by deadline" in body
    nyoman = section.split("Nyoman")[0].rsplit("<li", 1)[1]
    assert "list-group-item-danger" in nyoman
    assert "Past the deadline by 26 h 00 min" in section
    assert "22 h 00 min left to report to BPJS" in section
    assert "list-group-item-danger" not in section.split("Komang")[0].rsplit("<li", 1)[1]
    del late, soon, scholarship


def test_it_lists_the_workers_who_reached_three_years(staff_client, staff):
    three_years_paid(staff, "Gede")
    with time_machine.travel(NOW, tick=False):
        body = staff_client.get("/staff/").content.decode()
    milestones = body.split('id="milestones"')[1].split("</ul>")[0]
    assert "Gede" in milestones
    assert "36 months paid; three years reached in December 2026" in milestones


def test_its_queries_do_not_grow_with_claims_and_milestones(
    staff_client, staff, django_assert_num_queries, no_page_cache
):
    from claims.dashboard import overview

    grow(staff, 2)
    # 1. workers with three years paid (their payments, the sums in a subquery),
    # 2. the open claims by deadline, 3. how many are open.
    with time_machine.travel(NOW, tick=False), django_assert_num_queries(3):
        small = overview()
    grow(staff, 12)
    with time_machine.travel(NOW, tick=False), django_assert_num_queries(3):
        large = overview()
    assert (small["milestone_count"], small["open_count"]) == (2, 2)
    assert (large["milestone_count"], large["open_count"]) == (14, 14)
