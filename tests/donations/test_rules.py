"""The calendar rules of a sponsorship: month arithmetic, the pledge minimum, the three-month rule.

Plain functions, no database. Boundaries that matter are the last and first day of a month,
February (2028 is a leap year) and the turn of the year.
"""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.months import add_months, last_month_of, month_range, month_start, months_between
from donations import standing
from donations.rules import MINIMUM_MONTHS, RuleError, check_pledge_months
from donations.standing import MONTHS_BEFORE_LAPSE, Standing, lapse_date, last_accounted_month


def standing_on(day, first_month, covered_through, lapses_on):
    """The standing of a live (active) sponsorship."""
    return standing.standing_on(day, "active", first_month, covered_through, lapses_on)


D = dt.date

# Months as first days, from 2000 to 2099: wide enough to cross many leap years and year ends.
months = st.builds(D, st.integers(2000, 2099), st.integers(1, 12), st.just(1))
days = st.dates(min_value=D(2000, 1, 1), max_value=D(2099, 12, 31))

# How far along the three-month rule a standing is; the calendar only ever moves it forward.
RANK = {
    Standing.NOT_STARTED: 0,
    Standing.COVERED: 0,
    Standing.DUE: 1,
    Standing.OVERDUE_1: 2,
    Standing.OVERDUE_2: 3,
    Standing.LAPSED: 4,
}


def test_it_has_the_program_numbers():
    assert MINIMUM_MONTHS == 12
    assert MONTHS_BEFORE_LAPSE == 3


# --- months -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "day, expected",
    [
        (D(2026, 1, 1), D(2026, 1, 1)),
        (D(2026, 1, 31), D(2026, 1, 1)),
        (D(2026, 2, 28), D(2026, 2, 1)),
        (D(2028, 2, 29), D(2028, 2, 1)),
        (D(2026, 12, 31), D(2026, 12, 1)),
        (D(2026, 8, 15), D(2026, 8, 1)),
    ],
)
def test_it_finds_the_month_start(day, expected):
    assert month_start(day) == expected


@pytest.mark.parametrize(
    "month, n, expected",
    [
        (D(2026, 1, 1), 0, D(2026, 1, 1)),
        (D(2026, 1, 1), 1, D(2026, 2, 1)),
        (D(2026, 1, 1), 11, D(2026, 12, 1)),
        (D(2026, 1, 1), 12, D(2027, 1, 1)),
        (D(2026, 12, 1), 1, D(2027, 1, 1)),
        (D(2026, 11, 1), 3, D(2027, 2, 1)),
        (D(2026, 1, 1), -1, D(2025, 12, 1)),
        (D(2026, 3, 1), -3, D(2025, 12, 1)),
        (D(2026, 1, 1), -12, D(2025, 1, 1)),
        (D(2026, 1, 1), -13, D(2024, 12, 1)),
        (D(2026, 8, 1), 40, D(2029, 12, 1)),
        (D(2026, 8, 1), 41, D(2030, 1, 1)),
        # Any day of a month names that month; the answer is always a first day.
        (D(2026, 1, 31), 1, D(2026, 2, 1)),
        (D(2028, 2, 29), 12, D(2029, 2, 1)),
        (D(2027, 12, 31), -1, D(2027, 11, 1)),
    ],
)
def test_it_adds_months(month, n, expected):
    assert add_months(month, n) == expected


@pytest.mark.parametrize(
    "a, b, expected",
    [
        (D(2026, 1, 1), D(2026, 1, 1), 0),
        (D(2026, 1, 1), D(2026, 1, 31), 0),
        (D(2026, 1, 31), D(2026, 2, 1), 1),
        (D(2026, 1, 1), D(2026, 12, 1), 11),
        (D(2026, 12, 1), D(2027, 1, 1), 1),
        (D(2026, 8, 1), D(2026, 12, 1), 4),
        (D(2026, 12, 1), D(2026, 8, 1), -4),
        (D(2027, 1, 1), D(2026, 12, 31), -1),
        (D(2025, 6, 1), D(2028, 2, 29), 32),
    ],
)
def test_it_counts_months_between(a, b, expected):
    assert months_between(a, b) == expected


@pytest.mark.parametrize(
    "first, n, expected",
    [
        (D(2026, 1, 1), 0, []),
        (D(2026, 1, 1), 1, [D(2026, 1, 1)]),
        (D(2026, 11, 1), 3, [D(2026, 11, 1), D(2026, 12, 1), D(2027, 1, 1)]),
        (D(2028, 1, 31), 3, [D(2028, 1, 1), D(2028, 2, 1), D(2028, 3, 1)]),
    ],
)
def test_it_lists_a_month_range(first, n, expected):
    assert month_range(first, n) == expected


def test_it_lists_twelve_months_of_a_year():
    assert month_range(D(2026, 1, 1), 12) == [D(2026, m, 1) for m in range(1, 13)]


@pytest.mark.parametrize(
    "first, n, expected",
    [
        (D(2026, 1, 1), 1, D(2026, 1, 1)),
        (D(2026, 1, 1), 12, D(2026, 12, 1)),
        (D(2026, 2, 1), 12, D(2027, 1, 1)),
        (D(2026, 9, 1), 24, D(2028, 8, 1)),
        (D(2026, 1, 15), 2, D(2026, 2, 1)),
    ],
)
def test_it_finds_the_last_month_of_a_period(first, n, expected):
    assert last_month_of(first, n) == expected


@pytest.mark.parametrize("n", [0, -1, -12])
def test_it_refuses_a_period_of_no_months(n):
    with pytest.raises(RuleError):
        last_month_of(D(2026, 1, 1), n)


@given(months, st.integers(-600, 600))
def test_it_undoes_add_months_with_months_between(month, n):
    later = add_months(month, n)
    assert later.day == 1
    assert months_between(month, later) == n
    assert add_months(later, -n) == month


@given(days, st.integers(-600, 600), st.integers(-600, 600))
def test_it_adds_months_associatively(day, a, b):
    assert add_months(add_months(day, a), b) == add_months(day, a + b)


@given(days, days)
def test_it_counts_months_antisymmetrically(a, b):
    assert months_between(a, b) == -months_between(b, a)
    assert add_months(a, months_between(a, b)) == month_start(b)


@given(days, st.integers(1, 240))
def test_it_makes_ranges_of_consecutive_months(first, n):
    months_ = month_range(first, n)
    assert len(months_) == n
    assert months_[0] == month_start(first)
    assert months_[-1] == last_month_of(first, n)
    assert all(months_between(a, b) == 1 for a, b in zip(months_, months_[1:], strict=False))


# --- the pledge minimum -----------------------------------------------------------------------


@pytest.mark.parametrize("n", [12, 13, 24, 36, 120])
def test_it_accepts_a_pledge_of_a_year_or_more(n):
    assert check_pledge_months(n) is None


@pytest.mark.parametrize("n", [11, 6, 1, 0, -12])
def test_it_refuses_a_pledge_under_a_year(n):
    with pytest.raises(RuleError, match="12 months"):
        check_pledge_months(n)


def test_it_makes_rule_errors_value_errors():
    # Forms and services catch ValueError-shaped errors and show the message.
    assert issubclass(RuleError, ValueError)


# --- the three-month rule: the lapse day ------------------------------------------------------


@pytest.mark.parametrize(
    "first_month, covered_through, expected",
    [
        (D(2026, 1, 1), D(2026, 8, 1), D(2026, 8, 1)),
        (D(2026, 1, 1), None, D(2025, 12, 1)),
        (D(2027, 3, 1), None, D(2027, 2, 1)),
    ],
)
def test_it_finds_m_of_the_three_month_rule(first_month, covered_through, expected):
    assert last_accounted_month(first_month, covered_through) == expected


@pytest.mark.parametrize(
    "first_month, covered_through, expected",
    [
        # SPEC: paid through August 2026 → lapsed from 1 December 2026.
        (D(2025, 9, 1), D(2026, 8, 1), D(2026, 12, 1)),
        (D(2025, 9, 1), D(2026, 9, 1), D(2027, 1, 1)),
        (D(2025, 11, 1), D(2026, 10, 1), D(2027, 2, 1)),
        (D(2026, 1, 1), D(2026, 12, 1), D(2027, 4, 1)),
        # Across the leap February of 2028: M+3 is February, the lapse is 1 March.
        (D(2026, 12, 1), D(2027, 11, 1), D(2028, 3, 1)),
        (D(2025, 12, 1), D(2026, 11, 1), D(2027, 3, 1)),
        # Never paid: M is the month before the first month.
        (D(2026, 1, 1), None, D(2026, 4, 1)),
        (D(2027, 1, 1), None, D(2027, 4, 1)),
        (D(2026, 11, 1), None, D(2027, 2, 1)),
        (D(2026, 12, 1), None, D(2027, 3, 1)),
    ],
)
def test_it_finds_the_lapse_day(first_month, covered_through, expected):
    assert lapse_date(first_month, covered_through) == expected


@pytest.mark.parametrize(
    "evidence",
    [
        [D(2026, 9, 1)],  # the first day of M+1
        [D(2026, 10, 15)],
        [D(2026, 11, 30)],  # the last day before the lapse
        [D(2026, 7, 20)],  # early renewal, before M+1: the donor did their part
        [D(2027, 1, 5), D(2026, 11, 2)],  # one in time is enough
    ],
)
def test_it_holds_off_the_lapse_while_evidence_sent_in_time_awaits_review(evidence):
    assert lapse_date(D(2025, 9, 1), D(2026, 8, 1), evidence) is None


@pytest.mark.parametrize(
    "evidence",
    [
        [],
        [D(2026, 12, 1)],  # on the lapse day
        [D(2026, 12, 2)],
        [D(2027, 3, 1), D(2026, 12, 1)],
    ],
)
def test_it_lets_evidence_on_or_after_the_lapse_day_leave_the_lapse(evidence):
    assert lapse_date(D(2025, 9, 1), D(2026, 8, 1), evidence) == D(2026, 12, 1)


def test_it_holds_off_the_lapse_of_a_never_paid_pledge_with_evidence():
    assert lapse_date(D(2027, 1, 1), None, [D(2027, 3, 31)]) is None
    assert lapse_date(D(2027, 1, 1), None, [D(2027, 4, 1)]) == D(2027, 4, 1)


def test_it_takes_any_iterable_of_evidence_days():
    assert lapse_date(D(2025, 9, 1), D(2026, 8, 1), (d for d in [D(2026, 9, 3)])) is None


@given(months, st.integers(0, 120) | st.none())
def test_it_always_lapses_on_the_first_day_of_m_plus_4(first_month, paid_months):
    covered = None if paid_months is None else add_months(first_month, paid_months)
    m = covered or add_months(first_month, -1)
    lapses = lapse_date(first_month, covered)
    assert lapses.day == 1
    assert months_between(m, lapses) == 4


# --- the three-month rule: standing on a day --------------------------------------------------


def _standing(day, first_month, covered_through, evidence=()):
    return standing_on(
        day, first_month, covered_through, lapse_date(first_month, covered_through, evidence)
    )


@pytest.mark.parametrize(
    "day, expected",
    [
        (D(2025, 9, 1), Standing.COVERED),
        (D(2026, 8, 1), Standing.COVERED),
        (D(2026, 8, 31), Standing.COVERED),
        (D(2026, 9, 1), Standing.DUE),
        (D(2026, 9, 30), Standing.DUE),
        (D(2026, 10, 1), Standing.OVERDUE_1),
        (D(2026, 10, 31), Standing.OVERDUE_1),
        (D(2026, 11, 1), Standing.OVERDUE_2),
        (D(2026, 11, 30), Standing.OVERDUE_2),  # the last minute before the lapse
        (D(2026, 12, 1), Standing.LAPSED),
        (D(2026, 12, 31), Standing.LAPSED),
        (D(2027, 6, 15), Standing.LAPSED),
    ],
)
def test_it_follows_the_spec_example(day, expected):
    # Paid through August 2026 → due in September, overdue in October and November, lapsed
    # from 1 December 2026.
    assert _standing(day, D(2025, 9, 1), D(2026, 8, 1)) == expected


@pytest.mark.parametrize(
    "day, expected",
    [
        (D(2027, 11, 30), Standing.COVERED),
        (D(2027, 12, 1), Standing.DUE),
        (D(2027, 12, 31), Standing.DUE),
        (D(2028, 1, 1), Standing.OVERDUE_1),
        (D(2028, 1, 31), Standing.OVERDUE_1),
        (D(2028, 2, 1), Standing.OVERDUE_2),
        (D(2028, 2, 28), Standing.OVERDUE_2),
        (D(2028, 2, 29), Standing.OVERDUE_2),
        (D(2028, 3, 1), Standing.LAPSED),
    ],
)
def test_it_counts_the_leap_february(day, expected):
    assert _standing(day, D(2026, 12, 1), D(2027, 11, 1)) == expected


@pytest.mark.parametrize(
    "day, expected",
    [
        (D(2027, 1, 31), Standing.OVERDUE_1),
        (D(2027, 2, 1), Standing.OVERDUE_2),
        (D(2027, 2, 28), Standing.OVERDUE_2),
        (D(2027, 3, 1), Standing.LAPSED),
    ],
)
def test_it_counts_a_common_february(day, expected):
    assert _standing(day, D(2025, 12, 1), D(2026, 11, 1)) == expected


@pytest.mark.parametrize(
    "covered_through, day, expected",
    [
        (D(2026, 12, 1), D(2026, 12, 31), Standing.COVERED),
        (D(2026, 12, 1), D(2027, 1, 1), Standing.DUE),
        (D(2026, 12, 1), D(2027, 3, 31), Standing.OVERDUE_2),
        (D(2026, 12, 1), D(2027, 4, 1), Standing.LAPSED),
        (D(2026, 11, 1), D(2026, 12, 31), Standing.DUE),
        (D(2026, 11, 1), D(2027, 1, 1), Standing.OVERDUE_1),
        (D(2026, 11, 1), D(2027, 3, 1), Standing.LAPSED),
        (D(2026, 10, 1), D(2026, 12, 31), Standing.OVERDUE_1),
        (D(2026, 10, 1), D(2027, 1, 1), Standing.OVERDUE_2),
        (D(2026, 10, 1), D(2027, 1, 31), Standing.OVERDUE_2),
        (D(2026, 10, 1), D(2027, 2, 1), Standing.LAPSED),
        (D(2026, 9, 1), D(2026, 12, 31), Standing.OVERDUE_2),
        (D(2026, 9, 1), D(2027, 1, 1), Standing.LAPSED),
    ],
)
def test_it_crosses_the_year_end(covered_through, day, expected):
    assert _standing(day, D(2026, 1, 1), covered_through) == expected


@pytest.mark.parametrize(
    "day, expected",
    [
        (D(2026, 6, 1), Standing.NOT_STARTED),
        (D(2026, 12, 31), Standing.NOT_STARTED),
        (D(2027, 1, 1), Standing.DUE),  # M+1 is the first month itself
        (D(2027, 1, 31), Standing.DUE),
        (D(2027, 2, 1), Standing.OVERDUE_1),
        (D(2027, 3, 1), Standing.OVERDUE_2),
        (D(2027, 3, 31), Standing.OVERDUE_2),
        (D(2027, 4, 1), Standing.LAPSED),
    ],
)
def test_it_counts_a_never_paid_pledge_from_the_month_before_its_first(day, expected):
    assert _standing(day, D(2027, 1, 1), None) == expected


@pytest.mark.parametrize(
    "day, expected",
    [
        (D(2026, 11, 20), Standing.NOT_STARTED),
        (D(2026, 12, 31), Standing.NOT_STARTED),
        (D(2027, 1, 1), Standing.COVERED),
        (D(2027, 12, 31), Standing.COVERED),
        (D(2028, 1, 1), Standing.DUE),
    ],
)
def test_it_has_not_started_before_the_first_month_even_when_paid(day, expected):
    # Nobody is insured before the first month, however early the donor paid.
    assert _standing(day, D(2027, 1, 1), D(2027, 12, 1)) == expected


@pytest.mark.parametrize(
    "day, expected",
    [
        (D(2026, 8, 31), Standing.COVERED),
        (D(2026, 9, 1), Standing.AWAITING_VERIFICATION),
        (D(2026, 11, 30), Standing.AWAITING_VERIFICATION),
        (D(2026, 12, 1), Standing.AWAITING_VERIFICATION),  # no lapse while BCC has to look
        (D(2027, 6, 1), Standing.AWAITING_VERIFICATION),
    ],
)
def test_it_waits_for_review_of_evidence_sent_in_time(day, expected):
    assert _standing(day, D(2025, 9, 1), D(2026, 8, 1), [D(2026, 11, 30)]) == expected


@pytest.mark.parametrize(
    "day, expected",
    [
        (D(2026, 12, 31), Standing.NOT_STARTED),
        (D(2027, 1, 1), Standing.AWAITING_VERIFICATION),
        (D(2027, 4, 1), Standing.AWAITING_VERIFICATION),
    ],
)
def test_it_waits_for_review_of_a_first_payment(day, expected):
    assert _standing(day, D(2027, 1, 1), None, [D(2026, 12, 10)]) == expected


@pytest.mark.parametrize(
    "day, expected",
    [
        (D(2026, 11, 30), Standing.OVERDUE_2),
        (D(2026, 12, 1), Standing.LAPSED),
        (D(2026, 12, 2), Standing.LAPSED),
    ],
)
def test_it_leaves_the_lapse_when_evidence_comes_on_the_lapse_day(day, expected):
    assert _standing(day, D(2025, 9, 1), D(2026, 8, 1), [D(2026, 12, 1)]) == expected


def test_it_trusts_the_recorded_lapse_day():
    # lapses_on is stored on the sponsorship; standing_on reads it rather than recomputing.
    assert standing_on(D(2026, 9, 15), D(2025, 9, 1), D(2026, 8, 1), D(2026, 9, 15)) == (
        Standing.LAPSED
    )


@st.composite
def sponsorships(draw):
    first_month = draw(months)
    paid = draw(st.none() | st.integers(1, 60))
    covered = None if paid is None else last_month_of(first_month, paid)
    return first_month, covered


@given(sponsorships(), st.integers(-120, 0))
def test_it_only_moves_forward_through_the_three_month_rule(sponsorship, start_offset):
    first_month, covered = sponsorship
    lapses = lapse_date(first_month, covered)
    day = add_months(first_month, -2) + dt.timedelta(days=start_offset)
    seen = []
    while day <= lapses + dt.timedelta(days=40):
        standing = standing_on(day, first_month, covered, lapses)
        if not seen or seen[-1] != standing:
            seen.append(standing)
        day += dt.timedelta(days=1)
    assert [RANK[s] for s in seen] == sorted(RANK[s] for s in seen)
    # Every stage after payment runs out is passed through, in order, each for a month.
    assert seen[-4:] == [Standing.DUE, Standing.OVERDUE_1, Standing.OVERDUE_2, Standing.LAPSED]
    assert seen[0] == Standing.NOT_STARTED
    assert Standing.AWAITING_VERIFICATION not in seen
    assert (Standing.COVERED in seen) == (covered is not None)


@given(sponsorships(), days)
def test_it_lapses_exactly_from_the_lapse_day(sponsorship, day):
    first_month, covered = sponsorship
    lapses = lapse_date(first_month, covered)
    standing = standing_on(day, first_month, covered, lapses)
    assert (standing == Standing.LAPSED) == (day >= lapses)
    if day == lapses - dt.timedelta(days=1):
        assert standing == Standing.OVERDUE_2


@given(sponsorships(), days, days)
def test_it_never_lapses_or_dues_while_timely_evidence_awaits_review(sponsorship, sent, day):
    first_month, covered = sponsorship
    lapses = lapse_date(first_month, covered, [sent])
    standing = standing_on(day, first_month, covered, lapses)
    if sent < lapse_date(first_month, covered):
        assert lapses is None
        assert standing in {Standing.NOT_STARTED, Standing.COVERED, Standing.AWAITING_VERIFICATION}
    else:
        assert lapses == lapse_date(first_month, covered)
