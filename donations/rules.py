"""Rules of a sponsorship in time, as plain functions: calendar months and the three-month rule.

Nothing here touches the database or a request. Every month is represented by the date of its
first day, in Asia/Makassar calendar terms. The premium rules (prices, coverage, refunds) build
on these in `premiums.rules`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from enum import StrEnum

from django.utils.formats import date_format
from django.utils.translation import gettext as _

#: A pledge, and the first payment of a new sponsorship, cover at least this many months.
MINIMUM_MONTHS = 12
#: "A donor who sends no evidence of funds for three consecutive months is taken to have stopped."
MONTHS_BEFORE_LAPSE = 3


class RuleError(ValueError):
    """A request that the program's rules do not allow; the message is shown to people."""


# --- months -----------------------------------------------------------------------------------


def month_name(month: dt.date) -> str:
    """ "December 2026" / "Desember 2026" in the active language."""
    return date_format(month, "YEAR_MONTH_FORMAT")


def month_start(day: dt.date) -> dt.date:
    """The first day of the month that holds `day`."""
    return day.replace(day=1)


def add_months(month: dt.date, n: int) -> dt.date:
    """The first day of the month `n` calendar months after (or before) the month of `month`."""
    index = month.year * 12 + (month.month - 1) + n
    return dt.date(index // 12, index % 12 + 1, 1)


def months_between(a: dt.date, b: dt.date) -> int:
    """How many calendar months from the month of `a` to the month of `b` (negative if earlier)."""
    return (b.year - a.year) * 12 + (b.month - a.month)


def month_range(first: dt.date, months: int) -> list[dt.date]:
    """The `months` consecutive months that start at the month of `first`."""
    return [add_months(first, i) for i in range(months)]


def last_month_of(first: dt.date, months: int) -> dt.date:
    """The last month of a period of `months` months starting at `first`."""
    if months < 1:
        raise RuleError(_("A period covers at least one month."))
    return add_months(first, months - 1)


def check_pledge_months(months: int) -> None:
    """A pledge, and the first payment of a new sponsorship, is for at least twelve months."""
    if months < MINIMUM_MONTHS:
        raise RuleError(
            _("The minimum is %(months)d months (one year).") % {"months": MINIMUM_MONTHS}
        )


#: The donor is told, and staff see, when the paid months end within this many days.
COVERAGE_ENDING_DAYS = 30


def coverage_ending_months(day: dt.date) -> tuple[dt.date, dt.date]:
    """(first, last) last-covered months whose coverage ends within 30 days of `day`.

    Coverage ends with the last day of the last covered month; that day falls between `day` and
    `day` + 30 days for the months from this one up to the month before the one that holds
    `day` + 31 days.
    """
    after_window = day + dt.timedelta(days=COVERAGE_ENDING_DAYS + 1)
    return month_start(day), add_months(month_start(after_window), -1)


# --- the three-month rule --------------------------------------------------------------------


class Standing(StrEnum):
    """Where a live sponsorship stands on a given day, as the calendar decides."""

    NOT_STARTED = "not_started"  # pledged, before its first month
    COVERED = "covered"
    AWAITING_VERIFICATION = "awaiting_verification"  # evidence sent, not yet reviewed
    DUE = "due"
    OVERDUE_1 = "overdue_1"
    OVERDUE_2 = "overdue_2"
    LAPSED = "lapsed"


def last_accounted_month(first_month: dt.date, covered_through: dt.date | None) -> dt.date:
    """M of the three-month rule: the last covered month, or the month before a pledge starts."""
    return covered_through if covered_through else add_months(first_month, -1)


def lapse_date(
    first_month: dt.date,
    covered_through: dt.date | None,
    pending_evidence_dates: Iterable[dt.date] = (),
) -> dt.date | None:
    """The day a sponsorship lapses, or None while evidence awaits review.

    Three consecutive months without evidence: with M the last covered month (for a sponsorship
    never paid, the month before its first month), a sponsorship whose donor sends no evidence
    during M+1, M+2 and M+3 is lapsed from the first day of M+4.

    Evidence awaiting review counts; rejected evidence does not (callers leave it out), and
    verified evidence has already moved M. Pending evidence sent before M+1 (an early renewal)
    counts too: the donor did their part and the wait is BCC's. Evidence that arrives on or after
    the lapse day does not undo the lapse; staff decide whether to reinstate.
    """
    lapses = add_months(last_accounted_month(first_month, covered_through), MONTHS_BEFORE_LAPSE + 1)
    if any(day < lapses for day in pending_evidence_dates):
        return None
    return lapses


def standing_on(
    day: dt.date,
    first_month: dt.date,
    covered_through: dt.date | None,
    lapses_on: dt.date | None,
) -> Standing:
    """Where a live sponsorship stands on `day`.

    Before its first month a sponsorship has not started, paid or not; from then on it is
    covered through M. During M+1 the next payment is due; during M+2 it is one month overdue;
    during M+3 two months overdue; from the first day of M+4 the sponsorship is lapsed, unless
    evidence sent in time is still awaiting review (`lapses_on` is None then).
    """
    month = month_start(day)
    if lapses_on is not None and day >= lapses_on:
        return Standing.LAPSED
    if month < month_start(first_month):
        # Paid in advance or not, nobody is insured before the first month.
        return Standing.NOT_STARTED
    last = last_accounted_month(first_month, covered_through)
    behind = months_between(last, month)
    if behind <= 0:
        return Standing.COVERED
    if lapses_on is None:
        return Standing.AWAITING_VERIFICATION
    return {1: Standing.DUE, 2: Standing.OVERDUE_1}.get(behind, Standing.OVERDUE_2)
