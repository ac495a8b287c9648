"""The premium rules as plain functions: prices under the rate table, coverage, refunds.

Nothing here touches the database or a request; callers pass in the rows they have. Months are
first days of months (see `core.months`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from core.months import add_months, last_month_of, month_name, month_range, month_start
from donations.rules import RuleError, check_pledge_months


class NoRateError(RuleError):
    """No premium rate in the table covers a month that has to be priced."""

    def __init__(self, month: dt.date):
        self.month = month
        super().__init__(
            _("No premium rate covers %(month)s yet; BCC has to enter it first.")
            % {"month": month_name(month)}
        )


# --- rates and prices ------------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    """One row of the effective-dated premium table (JKK + JKM per month, in whole Rupiah)."""

    first_month: dt.date
    last_month: dt.date | None
    jkk: int
    jkm: int
    sector: str = ""

    def __post_init__(self):
        # A row entered as "15 April" means April: months are compared by their first days.
        object.__setattr__(self, "first_month", month_start(self.first_month))
        if self.last_month is not None:
            object.__setattr__(self, "last_month", month_start(self.last_month))

    @property
    def monthly(self) -> int:
        return self.jkk + self.jkm

    def covers(self, month: dt.date) -> bool:
        return self.first_month <= month and (self.last_month is None or month <= self.last_month)


def rate_for_month(rates: Iterable[Rate], month: dt.date, sector: str = "") -> Rate:
    """The rate in force for `month` for a worker of `sector`.

    A row for the worker's own sector beats a row for every sector ("" = all); among rows of
    equal standing, the one that took effect last wins, so a temporary reduction entered on top
    of the open-ended standard rate applies for its months and the standard rate resumes after.
    """
    month = month_start(month)
    candidates = [r for r in rates if r.covers(month) and r.sector in ("", sector)]
    if not candidates:
        raise NoRateError(month)
    return max(candidates, key=lambda r: (r.sector == sector and sector != "", r.first_month))


def monthly_prices(
    rates: Sequence[Rate], first: dt.date, months: int, sector: str = ""
) -> list[int]:
    """The premium of each month of the period, month by month."""
    return [rate_for_month(rates, m, sector).monthly for m in month_range(first, months)]


def price(rates: Sequence[Rate], first: dt.date, months: int, sector: str = "") -> int:
    """The premium for `months` months from `first`: the sum of the rate in force each month."""
    if months < 1:
        raise RuleError(_("A payment covers at least one month."))
    return sum(monthly_prices(rates, first, months, sector))


def prices_kept(
    stored: tuple[dt.date, int, int, Sequence[int]] | None,
    first: dt.date,
    months: int,
    amount: int,
    table: Sequence[int] | None,
) -> list[int]:
    """The month-by-month prices a payment keeps when it is saved again.

    `stored` is (first month, months, amount, prices) as last saved, or None for a new payment;
    `table` the rate table's prices for the period now (None when the table has a gap). While
    the months and the amount stay as they were, the prices it was quoted at stay: a refund
    returns what was paid, never today's rate. Otherwise the table's prices, when they add up to
    the amount; otherwise none (a refund then uses the rate paid, see `split_evenly`).
    """
    if stored is not None:
        old_first, old_months, old_amount, old_prices = stored
        unchanged = (old_first, old_months, old_amount) == (first, months, amount)
        if unchanged and old_prices and len(old_prices) == months:
            return list(old_prices)
    if table and sum(table) == amount:
        return list(table)
    return []


def split_evenly(amount: int, months: int) -> list[int]:
    """The rate paid for each month when a payment has no month-by-month breakdown: the amount
    over the months, whole Rupiah, the odd Rupiah on the first months so the sum stays exact."""
    base, extra = divmod(amount, months)
    return [base + 1 if i < extra else base for i in range(months)]


# --- coverage --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Months covered by one payment."""

    first_month: dt.date
    months: int

    def __post_init__(self):
        # Any day names its month; comparisons with other periods use first days.
        object.__setattr__(self, "first_month", month_start(self.first_month))

    @property
    def last_month(self) -> dt.date:
        return last_month_of(self.first_month, self.months)

    def __contains__(self, month: dt.date) -> bool:
        return self.first_month <= month_start(month) <= self.last_month


def next_period_start(sponsorship_first_month: dt.date, periods: Iterable[Period]) -> dt.date:
    """Where the next payment must start: right after the last period, or at the first month."""
    periods = list(periods)
    if not periods:
        return sponsorship_first_month
    return add_months(max(p.last_month for p in periods), 1)


def check_next_period(
    sponsorship_first_month: dt.date, periods: Iterable[Period], new: Period
) -> None:
    """Payments of one sponsorship follow each other without gaps or overlaps.

    The first payment starts at the sponsorship's first month and covers at least twelve
    months; every later one starts the month after the previous one ends.
    """
    periods = list(periods)
    expected = next_period_start(sponsorship_first_month, periods)
    if new.months < 1:
        raise RuleError(_("A payment covers at least one month."))
    if not periods:
        check_pledge_months(new.months)
    if new.first_month != expected:
        raise RuleError(
            _("This payment must start in %(month)s, right after the last one.")
            % {"month": month_name(expected)}
        )


def paid_through(periods: Iterable[Period]) -> dt.date | None:
    """The last covered month of a sponsorship whose verified periods are `periods`.

    Coverage is the union of the periods, which must follow each other without gap or overlap.
    """
    ordered = sorted(periods, key=lambda p: p.first_month)
    if not ordered:
        return None
    for before, after in zip(ordered, ordered[1:], strict=False):
        if after.first_month != add_months(before.last_month, 1):
            raise RuleError(_("Covered periods must follow each other without gaps or overlaps."))
    return ordered[-1].last_month


# --- refunds when a recipient dies ----------------------------------------------------------


def unused_months(death_day: dt.date, periods: Iterable[Period]) -> list[dt.date]:
    """Months paid for after the month of death: BPJS refunds them in full.

    The month in which the recipient died was covered and is not refunded.
    """
    death_month = month_start(death_day)
    months = {m for p in periods for m in month_range(p.first_month, p.months)}
    return sorted(m for m in months if m > death_month)


def refund_amount(
    rates: Sequence[Rate], death_day: dt.date, periods: Iterable[Period], sector: str = ""
) -> tuple[int, int]:
    """(unused months, Rupiah owed): each unused month at the rate paid for it."""
    months = unused_months(death_day, periods)
    return len(months), sum(rate_for_month(rates, m, sector).monthly for m in months)


def refund_at_prices_paid(
    death_day: dt.date, period: Period, prices: Sequence[int]
) -> tuple[int, int]:
    """(unused months, Rupiah owed) for one payment whose month-by-month prices are known."""
    unused = set(unused_months(death_day, [period]))
    owed = [
        p
        for month, p in zip(month_range(period.first_month, period.months), prices, strict=True)
        if month in unused
    ]
    return len(owed), sum(owed)
