"""The premium rules: rates in force, prices month by month, coverage, refunds on a death.

Plain functions, no database. The rate table used throughout is PP 50/2025 as the SPEC states
it: the open-ended standard JKK 10,000 + JKM 6,800 = 16,800 a month, halved to 8,400 for every
sector from April to December 2026 and for transport workers from January 2026 to March 2027.
"""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.months import add_months, month_range
from donations.rules import RuleError
from premiums.rules import (
    NoRateError,
    Period,
    Rate,
    check_next_period,
    monthly_prices,
    next_period_start,
    paid_through,
    price,
    rate_for_month,
    refund_amount,
    unused_months,
)

D = dt.date

STANDARD = Rate(D(2015, 1, 1), None, jkk=10_000, jkm=6_800)
HALF = Rate(D(2026, 4, 1), D(2026, 12, 1), jkk=5_000, jkm=3_400)
TRANSPORT = Rate(D(2026, 1, 1), D(2027, 3, 1), jkk=5_000, jkm=3_400, sector="transport")
TABLE = [STANDARD, HALF, TRANSPORT]

months = st.builds(D, st.integers(2016, 2040), st.integers(1, 12), st.just(1))
sectors = st.sampled_from(["", "transport", "fishery", "construction", "general"])


# --- rates --------------------------------------------------------------------------------


def test_it_adds_jkk_and_jkm_into_the_monthly_rate():
    assert STANDARD.monthly == 16_800
    assert HALF.monthly == 8_400
    assert TRANSPORT.monthly == 8_400


@pytest.mark.parametrize(
    "rate, month, expected",
    [
        (STANDARD, D(2014, 12, 1), False),
        (STANDARD, D(2015, 1, 1), True),
        (STANDARD, D(2099, 12, 1), True),
        (HALF, D(2026, 3, 1), False),
        (HALF, D(2026, 4, 1), True),
        (HALF, D(2026, 12, 1), True),
        (HALF, D(2027, 1, 1), False),
    ],
)
def test_it_knows_which_months_a_rate_covers(rate, month, expected):
    assert rate.covers(month) is expected


def test_it_reads_any_day_of_a_rate_row_as_its_month():
    # A row typed as "15 April" must still price April.
    rate = Rate(D(2026, 4, 15), D(2026, 12, 31), jkk=5_000, jkm=3_400)
    assert rate.first_month == D(2026, 4, 1)
    assert rate.last_month == D(2026, 12, 1)
    assert rate_for_month([STANDARD, rate], D(2026, 4, 1)) == rate


@pytest.mark.parametrize(
    "month, sector, expected",
    [
        (D(2025, 12, 1), "", STANDARD),
        (D(2026, 1, 1), "", STANDARD),
        (D(2026, 3, 31), "", STANDARD),
        (D(2026, 4, 1), "", HALF),
        (D(2026, 7, 14), "", HALF),
        (D(2026, 12, 31), "", HALF),
        (D(2027, 1, 1), "", STANDARD),  # the standard rate resumes on its own
        (D(2027, 4, 1), "", STANDARD),
        # The transport row applies to transport workers only...
        (D(2025, 12, 1), "transport", STANDARD),
        (D(2026, 1, 1), "transport", TRANSPORT),
        (D(2026, 6, 1), "transport", TRANSPORT),  # beats the general half rate too
        (D(2027, 3, 1), "transport", TRANSPORT),
        (D(2027, 4, 1), "transport", STANDARD),
        # ...and never to another sector.
        (D(2026, 1, 1), "fishery", STANDARD),
        (D(2026, 6, 1), "fishery", HALF),
        (D(2027, 2, 1), "fishery", STANDARD),
        (D(2027, 2, 1), "general", STANDARD),
    ],
)
def test_it_finds_the_rate_in_force(month, sector, expected):
    assert rate_for_month(TABLE, month, sector) == expected


@pytest.mark.parametrize("table", [TABLE, TABLE[::-1], [HALF, STANDARD, TRANSPORT]])
def test_it_does_not_depend_on_the_order_of_the_table(table):
    assert rate_for_month(table, D(2026, 5, 1)) == HALF
    assert rate_for_month(table, D(2026, 5, 1), "transport") == TRANSPORT
    assert rate_for_month(table, D(2027, 5, 1), "transport") == STANDARD


def test_it_lets_the_latest_of_equal_rows_win():
    raised = Rate(D(2028, 1, 1), None, jkk=12_000, jkm=8_000)
    table = [raised, STANDARD]
    assert rate_for_month(table, D(2027, 12, 1)) == STANDARD
    assert rate_for_month(table, D(2028, 1, 1)) == raised
    assert rate_for_month(table, D(2035, 1, 1)) == raised


def test_it_prefers_the_sector_row_over_a_later_general_row():
    raised = Rate(D(2027, 1, 1), None, jkk=12_000, jkm=8_000)
    table = [STANDARD, TRANSPORT, raised]
    assert rate_for_month(table, D(2027, 2, 1), "transport") == TRANSPORT
    assert rate_for_month(table, D(2027, 2, 1), "") == raised
    assert rate_for_month(table, D(2027, 4, 1), "transport") == raised


def test_it_lets_the_latest_of_two_sector_rows_win():
    later = Rate(D(2026, 7, 1), D(2026, 9, 1), jkk=1_000, jkm=1_000, sector="transport")
    table = [*TABLE, later]
    assert rate_for_month(table, D(2026, 6, 1), "transport") == TRANSPORT
    assert rate_for_month(table, D(2026, 7, 1), "transport") == later
    assert rate_for_month(table, D(2026, 10, 1), "transport") == TRANSPORT


@pytest.mark.parametrize(
    "table, month, sector",
    [
        ([], D(2026, 1, 1), ""),
        (TABLE, D(2014, 12, 1), ""),
        ([HALF], D(2026, 3, 1), ""),
        ([HALF], D(2027, 1, 1), ""),
        ([TRANSPORT], D(2026, 5, 1), ""),
        ([TRANSPORT], D(2026, 5, 1), "fishery"),
    ],
)
def test_it_refuses_a_month_no_rate_covers(table, month, sector):
    with pytest.raises(NoRateError) as caught:
        rate_for_month(table, month, sector)
    assert caught.value.month == month.replace(day=1)
    assert f"{month:%B %Y}" in str(caught.value)


def test_it_makes_no_rate_a_rule_error():
    assert issubclass(NoRateError, RuleError)


# --- prices -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "first, n, sector, expected",
    [
        # The issue's example: 3 × 16,800 + 9 × 8,400.
        (D(2026, 1, 1), 12, "", 126_000),
        # The SPEC's year at the standard rate.
        (D(2025, 1, 1), 12, "", 201_600),
        (D(2027, 1, 1), 12, "", 201_600),
        (D(2025, 1, 1), 1, "", 16_800),
        (D(2026, 4, 1), 1, "", 8_400),
        (D(2026, 12, 1), 1, "", 8_400),
        (D(2027, 1, 1), 1, "", 16_800),
        (D(2026, 3, 1), 2, "", 16_800 + 8_400),
        (D(2026, 12, 1), 2, "", 8_400 + 16_800),
        (D(2026, 4, 1), 9, "", 9 * 8_400),
        (D(2026, 1, 1), 24, "", 3 * 16_800 + 9 * 8_400 + 12 * 16_800),
        (D(2025, 10, 1), 12, "", 6 * 16_800 + 6 * 8_400),
        # Transport workers: halved from January 2026 to March 2027.
        (D(2026, 1, 1), 12, "transport", 12 * 8_400),
        (D(2026, 1, 1), 15, "transport", 15 * 8_400),
        (D(2025, 12, 1), 12, "transport", 16_800 + 11 * 8_400),
        (D(2027, 1, 1), 12, "transport", 3 * 8_400 + 9 * 16_800),
        (D(2027, 4, 1), 12, "transport", 201_600),
        # Other sectors pay what everybody pays.
        (D(2026, 1, 1), 12, "fishery", 126_000),
        (D(2026, 1, 1), 12, "general", 126_000),
        # Any day names its month.
        (D(2026, 1, 20), 12, "", 126_000),
    ],
)
def test_it_prices_month_by_month(first, n, sector, expected):
    assert price(TABLE, first, n, sector) == expected


def test_it_prices_the_issue_example_month_by_month():
    assert monthly_prices(TABLE, D(2026, 1, 1), 12) == [16_800] * 3 + [8_400] * 9
    assert price([STANDARD, HALF], D(2026, 1, 1), 12) == 3 * 16_800 + 9 * 8_400 == 126_000


def test_it_prices_a_year_at_the_standard_rate():
    assert price([STANDARD], D(2026, 1, 1), 12) == 12 * 16_800 == 201_600


@pytest.mark.parametrize("n", [0, -1])
def test_it_refuses_to_price_no_months(n):
    with pytest.raises(RuleError):
        price(TABLE, D(2026, 1, 1), n)


@pytest.mark.parametrize(
    "table, first, n, missing",
    [
        ([], D(2026, 1, 1), 12, D(2026, 1, 1)),
        ([HALF], D(2026, 4, 1), 12, D(2027, 1, 1)),
        ([HALF], D(2026, 1, 1), 12, D(2026, 1, 1)),
        ([TRANSPORT], D(2026, 1, 1), 12, D(2026, 1, 1)),
        (TABLE, D(2014, 7, 1), 12, D(2014, 7, 1)),
    ],
)
def test_it_refuses_to_price_a_month_without_a_rate(table, first, n, missing):
    with pytest.raises(NoRateError) as caught:
        price(table, first, n)
    assert caught.value.month == missing


@given(months, st.integers(1, 60), sectors)
def test_it_prices_as_the_sum_of_the_months(first, n, sector):
    prices = monthly_prices(TABLE, first, n, sector)
    assert len(prices) == n
    assert set(prices) <= {16_800, 8_400}
    assert price(TABLE, first, n, sector) == sum(prices)


@given(months, st.integers(1, 60), st.integers(1, 60), sectors)
def test_it_prices_two_periods_as_one(first, a, b, sector):
    assert price(TABLE, first, a + b, sector) == price(TABLE, first, a, sector) + price(
        TABLE, add_months(first, a), b, sector
    )


@given(months, st.integers(1, 120))
def test_it_prices_the_standard_rate_alone_by_multiplication(first, n):
    assert price([STANDARD], first, n) == n * 16_800


# --- coverage -----------------------------------------------------------------------------


def test_it_knows_a_periods_last_month_and_months():
    period = Period(D(2026, 3, 1), 12)
    assert period.last_month == D(2027, 2, 1)
    assert D(2026, 2, 28) not in period
    assert D(2026, 3, 1) in period
    assert D(2026, 12, 31) in period
    assert D(2027, 2, 28) in period
    assert D(2027, 3, 1) not in period


def test_it_reads_any_day_of_a_period_as_its_month():
    period = Period(D(2026, 3, 15), 1)
    assert period == Period(D(2026, 3, 1), 1)
    assert D(2026, 3, 1) in period
    assert period.last_month == D(2026, 3, 1)


@pytest.mark.parametrize(
    "periods, expected",
    [
        ([], D(2026, 1, 1)),
        ([Period(D(2026, 1, 1), 12)], D(2027, 1, 1)),
        ([Period(D(2026, 1, 1), 12), Period(D(2027, 1, 1), 1)], D(2027, 2, 1)),
        ([Period(D(2027, 1, 1), 24), Period(D(2026, 1, 1), 12)], D(2029, 1, 1)),
        ([Period(D(2026, 1, 1), 15)], D(2027, 4, 1)),
    ],
)
def test_it_finds_where_the_next_payment_starts(periods, expected):
    assert next_period_start(D(2026, 1, 1), periods) == expected


@pytest.mark.parametrize(
    "periods, new",
    [
        ([], Period(D(2026, 1, 1), 12)),
        ([], Period(D(2026, 1, 1), 36)),
        ([Period(D(2026, 1, 1), 12)], Period(D(2027, 1, 1), 1)),
        ([Period(D(2026, 1, 1), 12)], Period(D(2027, 1, 1), 12)),
        ([Period(D(2026, 1, 1), 12), Period(D(2027, 1, 1), 3)], Period(D(2027, 4, 1), 6)),
        ([Period(D(2027, 1, 1), 3), Period(D(2026, 1, 1), 12)], Period(D(2027, 4, 1), 6)),
    ],
)
def test_it_accepts_a_payment_that_follows_the_last(periods, new):
    assert check_next_period(D(2026, 1, 1), periods, new) is None


@pytest.mark.parametrize(
    "periods, new, message",
    [
        # The first payment covers at least a year...
        ([], Period(D(2026, 1, 1), 11), "12 months"),
        ([], Period(D(2026, 1, 1), 1), "12 months"),
        # ...and starts at the sponsorship's first month.
        ([], Period(D(2026, 2, 1), 12), "January 2026"),
        ([], Period(D(2025, 12, 1), 12), "January 2026"),
        # Later ones start the month after the last one: no gap...
        ([Period(D(2026, 1, 1), 12)], Period(D(2027, 2, 1), 12), "January 2027"),
        # ...and no overlap.
        ([Period(D(2026, 1, 1), 12)], Period(D(2026, 12, 1), 12), "January 2027"),
        ([Period(D(2026, 1, 1), 12)], Period(D(2026, 1, 1), 12), "January 2027"),
        # A payment covers at least one month.
        ([Period(D(2026, 1, 1), 12)], Period(D(2027, 1, 1), 0), "one month"),
        ([], Period(D(2026, 1, 1), 0), "one month"),
    ],
)
def test_it_refuses_a_payment_out_of_line(periods, new, message):
    with pytest.raises(RuleError, match=message):
        check_next_period(D(2026, 1, 1), periods, new)


@pytest.mark.parametrize(
    "periods, expected",
    [
        ([], None),
        ([Period(D(2026, 1, 1), 12)], D(2026, 12, 1)),
        ([Period(D(2026, 1, 1), 12), Period(D(2027, 1, 1), 1)], D(2027, 1, 1)),
        (
            [Period(D(2027, 1, 1), 1), Period(D(2026, 1, 1), 12), Period(D(2027, 2, 1), 24)],
            D(2029, 1, 1),
        ),
    ],
)
def test_it_finds_the_paid_through_month(periods, expected):
    assert paid_through(periods) == expected


@pytest.mark.parametrize(
    "periods",
    [
        [Period(D(2026, 1, 1), 12), Period(D(2027, 2, 1), 12)],  # a one-month gap
        [Period(D(2026, 1, 1), 12), Period(D(2028, 1, 1), 12)],
        [Period(D(2026, 1, 1), 12), Period(D(2026, 12, 1), 12)],  # a one-month overlap
        [Period(D(2026, 1, 1), 24), Period(D(2027, 1, 1), 12)],  # one inside another
        [Period(D(2026, 1, 1), 12), Period(D(2026, 1, 1), 12)],  # the same payment twice
        [Period(D(2026, 1, 1), 12), Period(D(2027, 1, 1), 1), Period(D(2027, 3, 1), 1)],
    ],
)
def test_it_refuses_coverage_with_gaps_or_overlaps(periods):
    with pytest.raises(RuleError, match="gaps or overlaps"):
        paid_through(periods)


@given(months, st.lists(st.integers(1, 36), max_size=6), st.randoms())
def test_it_covers_consecutive_payments_in_any_order(first, lengths, random):
    periods, start = [Period(first, 12)], add_months(first, 12)
    for n in lengths:
        check_next_period(first, periods, Period(start, n))
        periods.append(Period(start, n))
        start = add_months(start, n)
    random.shuffle(periods)
    assert paid_through(periods) == add_months(first, 12 + sum(lengths) - 1)
    assert next_period_start(first, periods) == add_months(first, 12 + sum(lengths))


# --- refunds when a recipient dies --------------------------------------------------------

YEAR_2026 = [Period(D(2026, 1, 1), 12)]
TWO_YEARS = [Period(D(2026, 1, 1), 12), Period(D(2027, 1, 1), 12)]


@pytest.mark.parametrize(
    "death_day, periods, expected",
    [
        # Death mid-month: that month was covered and is not refunded.
        (D(2026, 5, 15), YEAR_2026, month_range(D(2026, 6, 1), 7)),
        (D(2026, 5, 1), YEAR_2026, month_range(D(2026, 6, 1), 7)),
        (D(2026, 5, 31), YEAR_2026, month_range(D(2026, 6, 1), 7)),
        (D(2026, 1, 1), YEAR_2026, month_range(D(2026, 2, 1), 11)),
        (D(2026, 11, 30), YEAR_2026, [D(2026, 12, 1)]),
        # Death before coverage starts: everything is refunded.
        (D(2025, 12, 31), YEAR_2026, month_range(D(2026, 1, 1), 12)),
        (D(2025, 3, 10), YEAR_2026, month_range(D(2026, 1, 1), 12)),
        # Death in or after the last covered month: nothing.
        (D(2026, 12, 1), YEAR_2026, []),
        (D(2026, 12, 31), YEAR_2026, []),
        (D(2027, 3, 1), YEAR_2026, []),
        # Death across two payments: the rest of the first and all of the second.
        (D(2026, 10, 10), TWO_YEARS, month_range(D(2026, 11, 1), 14)),
        (D(2026, 12, 31), TWO_YEARS, month_range(D(2027, 1, 1), 12)),
        (D(2027, 1, 1), TWO_YEARS, month_range(D(2027, 2, 1), 11)),
        # Death of someone never paid for.
        (D(2026, 5, 15), [], []),
    ],
)
def test_it_finds_the_unused_months(death_day, periods, expected):
    assert unused_months(death_day, periods) == expected


@pytest.mark.parametrize(
    "death_day, periods, sector, expected",
    [
        # Standard March, then half rate April to December.
        (D(2026, 2, 14), YEAR_2026, "", (10, 16_800 + 9 * 8_400)),
        (D(2026, 3, 31), YEAR_2026, "", (9, 9 * 8_400)),
        (D(2026, 5, 15), YEAR_2026, "", (7, 7 * 8_400)),
        (D(2025, 12, 31), YEAR_2026, "", (12, 126_000)),
        (D(2026, 12, 5), YEAR_2026, "", (0, 0)),
        (D(2027, 6, 1), YEAR_2026, "", (0, 0)),
        # Across two payments and the end of the half rate.
        (D(2026, 11, 20), TWO_YEARS, "", (13, 8_400 + 12 * 16_800)),
        (D(2026, 12, 20), TWO_YEARS, "", (12, 201_600)),
        (D(2025, 7, 1), TWO_YEARS, "", (24, 126_000 + 201_600)),
        # Transport workers paid the lower rate until March 2027, and get that back.
        (D(2026, 11, 20), TWO_YEARS, "transport", (13, 4 * 8_400 + 9 * 16_800)),
        (D(2026, 2, 14), YEAR_2026, "transport", (10, 10 * 8_400)),
        (D(2026, 2, 14), YEAR_2026, "fishery", (10, 16_800 + 9 * 8_400)),
    ],
)
def test_it_owes_each_unused_month_at_its_rate(death_day, periods, sector, expected):
    assert refund_amount(TABLE, death_day, periods, sector) == expected


def test_it_refunds_a_standard_year_in_full_when_death_comes_first():
    assert refund_amount([STANDARD], D(2026, 12, 31), [Period(D(2027, 1, 1), 12)]) == (
        12,
        201_600,
    )


def test_it_refuses_a_refund_for_a_month_without_a_rate():
    with pytest.raises(NoRateError):
        refund_amount([HALF], D(2026, 1, 15), YEAR_2026)


@given(months, st.integers(1, 48), st.integers(-24, 60), st.integers(0, 27), sectors)
def test_it_refunds_what_was_paid_after_the_death_month(first, n, offset, day, sector):
    periods = [Period(first, n)]
    death_day = add_months(first, offset) + dt.timedelta(days=day)
    count, amount = refund_amount(TABLE, death_day, periods, sector)
    # Months up to and including the month of death were used; the rest come back.
    used = min(max(offset + 1, 0), n)
    assert count == n - used
    if count:
        assert amount == price(TABLE, add_months(first, used), count, sector)
    else:
        assert amount == 0
    if offset < 0:
        assert amount == price(TABLE, first, n, sector)
