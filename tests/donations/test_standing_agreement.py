"""The three-month rule said twice, in Python and in SQL, must never disagree.

`donations.standing` decides where a sponsorship stands on a day once for a row in hand
(`standing_on`) and once as query conditions (what the dashboard counts, the lapse and reminder
commands choose, the public list filters). Hypothesis generates sponsorship histories — a first
month, months paid, evidence awaiting review, a stored state — and a day to look at them, across
month ends, February (2028 is a leap year) and the turn of the year; the database's answer for
each row must be Python's. Runs on SQLite and on PostgreSQL alike.
"""

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.months import add_months
from donations import standing
from donations.models import Sponsorship
from donations.standing import Standing
from tests.factories import DonorFactory, RecipientFactory

D = dt.date
ROWS = 6  # histories looked at on the same day, one recipient each

first_months = st.builds(D, st.integers(2025, 2029), st.integers(1, 12), st.just(1))
states = st.sampled_from(["pledged", "active", "awaiting_decision", "stopped", "lapsed"])


@st.composite
def histories(draw, day):
    """One sponsorship as the services would have stored it, seen from `day`."""
    # Pledges start around the day looked at: before it, on it, long after it.
    first_month = add_months(D(day.year, day.month, 1), draw(st.integers(-40, 3)))
    paid = draw(st.one_of(st.none(), st.integers(1, 48)))
    covered_through = add_months(first_month, paid - 1) if paid else None
    # Evidence awaiting review, sent some days around the day looked at (or none).
    pending = draw(
        st.lists(st.integers(-200, 30).map(lambda n: day + dt.timedelta(days=n)), max_size=2)
    )
    return {
        "state": draw(states),
        "first_month": first_month,
        "covered_through": covered_through,
        "lapses_on": standing.lapse_date(first_month, covered_through, pending),
    }


@st.composite
def days(draw):
    """Days where the rule turns: first and last days of months, 29 February, New Year."""
    month = draw(st.builds(D, st.integers(2026, 2029), st.integers(1, 12), st.just(1)))
    last = (add_months(month, 1) - dt.timedelta(days=1)).day
    return month.replace(day=draw(st.sampled_from([1, 2, 15, 28, last - 1, last])))


@st.composite
def scenes(draw):
    day = draw(days())
    return day, draw(st.lists(histories(day), min_size=1, max_size=ROWS))


@pytest.fixture
def people(db):
    donor = DonorFactory()
    return donor, [RecipientFactory() for _ in range(ROWS)]


def _python(day, row) -> Standing | None:
    return standing.standing_on(day, row.state, row.first_month, row.covered_through, row.lapses_on)


def _ids(queryset) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(scene=scenes())
def test_it_decides_the_standing_in_sql_as_in_python(people, scene):
    day, rows = scene
    donor, recipients = people
    Sponsorship.objects.all().delete()
    Sponsorship.objects.bulk_create(
        Sponsorship(donor=donor, recipient=recipient, months_pledged=12, route="direct", **row)
        for recipient, row in zip(recipients, rows, strict=False)
    )
    saved = list(Sponsorship.objects.with_standing(day).order_by("pk"))
    assert len(saved) == len(rows)
    expected = {row.pk: _python(day, row) for row in saved}

    # The column the database computes, row by row.
    assert {row.pk: row.standing_today for row in saved} == {
        pk: (s.value if s else None) for pk, s in expected.items()
    }
    # Each filter built on the rule, against the Python answer.
    objects = Sponsorship.objects
    for s in Standing:
        wanted = {pk for pk, value in expected.items() if value == s}
        assert _ids(objects.standing_is(s, day=day)) == wanted, s
    live = {pk for pk, value in expected.items() if value not in (None, Standing.LAPSED)}
    assert _ids(objects.live_on(day)) == live
    assert _ids(objects.standing_is(Standing.COVERED, day=day)) == {
        pk for pk, value in expected.items() if value == Standing.COVERED
    }
    assert _ids(objects.will_lapse_on(day)) == {
        pk for pk, value in expected.items() if value in (Standing.OVERDUE_1, Standing.OVERDUE_2)
    }
    assert _ids(objects.lapsed_unrecorded_on(day)) == {
        pk for pk, value in expected.items() if value == Standing.LAPSED
    }
    assert _ids(objects.lapsed_on(day)) == {
        row.pk for row in saved if standing.is_lapsed(day, row.state, row.lapses_on)
    }
    first, last = standing.coverage_ending_months(day)
    assert _ids(objects.coverage_ending_on(day)) == {
        row.pk
        for row in saved
        if row.pk in live and row.covered_through and first <= row.covered_through <= last
    }


def test_it_knows_the_states_the_model_calls_live():
    assert tuple(Sponsorship.LIVE_STATES) == standing.LIVE_STATES
    assert Sponsorship.State.LAPSED == standing.LAPSED_STATE


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        # Paid through August 2026: due in September, overdue in October and November, lapsed
        # from 1 December 2026 (the program's own example), each on its first and last day.
        (D(2026, 8, 31), Standing.COVERED),
        (D(2026, 9, 1), Standing.DUE),
        (D(2026, 9, 30), Standing.DUE),
        (D(2026, 10, 1), Standing.OVERDUE_1),
        (D(2026, 11, 30), Standing.OVERDUE_2),
        (D(2026, 12, 1), Standing.LAPSED),
    ],
)
def test_it_agrees_on_the_programs_own_example(people, day, expected):
    donor, recipients = people
    first, through = D(2025, 9, 1), D(2026, 8, 1)
    sponsorship = Sponsorship.objects.create(
        donor=donor,
        recipient=recipients[0],
        first_month=first,
        months_pledged=12,
        route="direct",
        state="active",
        covered_through=through,
        lapses_on=standing.lapse_date(first, through),
    )
    assert sponsorship.standing_on(day) == expected
    assert Sponsorship.objects.with_standing(day).get().standing_today == expected.value
