"""Where a sponsorship stands on a day: the three-month rule, written once.

The rule, in the program's words: a donor who sends no evidence of funds for three consecutive
months is taken to have stopped. With M the last covered month (for a sponsorship never paid,
the month before its first month), the next payment is *due* during M+1, *one month overdue*
during M+2 and *two months overdue* during M+3; without evidence the sponsorship is *lapsed*
from the first day of M+4. Evidence awaiting review holds the lapse off; rejected evidence
does not.

This module is the only place that does that month arithmetic. It says it twice, on purpose:

- in Python (`standing_on` and the helpers above it), for one sponsorship in hand;
- as query conditions (`in_force`, `lapsed`, `standing_is`…), for the database to choose rows,
  used by `SponsorshipQuerySet`.

`tests/donations/test_standing_agreement.py` generates histories across month, February and
year boundaries and checks that the two always agree. Nothing here reads the database itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from enum import StrEnum

from django.db.models import Case, CharField, DateField, Func, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.months import add_months, month_start, months_between
from donations.rules import earliest_first_month

#: "Three consecutive months" without evidence end a sponsorship.
MONTHS_BEFORE_LAPSE = 3
#: The donor is told, and staff see, when the paid months end within this many days.
COVERAGE_ENDING_DAYS = 30
#: Stored states in which the calendar decides the standing (the values of Sponsorship.State).
LIVE_STATES = ("pledged", "active")
LAPSED_STATE = "lapsed"


class Standing(StrEnum):
    """Where a live sponsorship stands on a given day, as the calendar decides."""

    NOT_STARTED = "not_started"  # pledged, before its first month
    COVERED = "covered"
    AWAITING_VERIFICATION = "awaiting_verification"  # evidence sent, not yet reviewed
    DUE = "due"
    OVERDUE_1 = "overdue_1"
    OVERDUE_2 = "overdue_2"
    LAPSED = "lapsed"


# --- in Python ----------------------------------------------------------------------------------


def last_accounted_month(first_month: dt.date, covered_through: dt.date | None) -> dt.date:
    """M of the three-month rule: the last covered month, or the month before a pledge starts."""
    return covered_through if covered_through else add_months(first_month, -1)


def first_unpaid_month(first_month: dt.date, covered_through: dt.date | None) -> dt.date:
    """M+1: the month whose payment is due next."""
    return add_months(last_accounted_month(first_month, covered_through), 1)


def lapse_day_after(first_unpaid: dt.date) -> dt.date:
    """The first day of M+4, for M+1 = `first_unpaid`."""
    return add_months(first_unpaid, MONTHS_BEFORE_LAPSE)


def first_unpaid_before(lapses_on: dt.date) -> dt.date:
    """M+1, read back from the lapse day (M+4)."""
    return add_months(lapses_on, -MONTHS_BEFORE_LAPSE)


def lapse_date(
    first_month: dt.date,
    covered_through: dt.date | None,
    pending_evidence_dates: Iterable[dt.date] = (),
) -> dt.date | None:
    """The day a sponsorship lapses, or None while evidence awaits review.

    Three consecutive months without evidence: a sponsorship whose donor sends no evidence
    during M+1, M+2 and M+3 is lapsed from the first day of M+4.

    Evidence awaiting review counts; rejected evidence does not (callers leave it out), and
    verified evidence has already moved M. Pending evidence sent before M+1 (an early renewal)
    counts too: the donor did their part and the wait is BCC's. Evidence that arrives on or after
    the lapse day does not undo the lapse; staff decide whether to reinstate.
    """
    lapses = lapse_day_after(first_unpaid_month(first_month, covered_through))
    if any(day < lapses for day in pending_evidence_dates):
        return None
    return lapses


def months_behind(day: dt.date, first_month: dt.date, covered_through: dt.date | None) -> int:
    """How many months the month of `day` is past M (0 or less: covered)."""
    return months_between(last_accounted_month(first_month, covered_through), month_start(day))


def is_lapsed(day: dt.date, state: str, lapses_on: dt.date | None) -> bool:
    """Lapsed on `day`: recorded, or decided by the calendar and not recorded yet."""
    if state == LAPSED_STATE:
        return True
    return state in LIVE_STATES and lapses_on is not None and lapses_on <= day


def standing_on(
    day: dt.date,
    state: str,
    first_month: dt.date,
    covered_through: dt.date | None,
    lapses_on: dt.date | None,
) -> Standing | None:
    """Where a sponsorship stands on `day`; None when people ended it or it awaits a decision.

    Before its first month a sponsorship has not started, paid or not; from then on it is
    covered through M. During M+1 the next payment is due; during M+2 it is one month overdue;
    during M+3 two months overdue; from the first day of M+4 the sponsorship is lapsed, unless
    evidence sent in time is still awaiting review (`lapses_on` is None then).
    """
    if state not in LIVE_STATES:
        return None
    if lapses_on is not None and day >= lapses_on:
        return Standing.LAPSED
    if month_start(day) < month_start(first_month):
        # Paid in advance or not, nobody is insured before the first month.
        return Standing.NOT_STARTED
    behind = months_behind(day, first_month, covered_through)
    if behind <= 0:
        return Standing.COVERED
    if lapses_on is None:
        return Standing.AWAITING_VERIFICATION
    return {1: Standing.DUE, 2: Standing.OVERDUE_1}.get(behind, Standing.OVERDUE_2)


def coverage_ending_months(day: dt.date) -> tuple[dt.date, dt.date]:
    """(first, last) last-covered months whose coverage ends within 30 days of `day`.

    Coverage ends with the last day of the last covered month; that day falls between `day` and
    `day` + 30 days for the months from this one up to the month before the one that holds
    `day` + 31 days.
    """
    after_window = day + dt.timedelta(days=COVERAGE_ENDING_DAYS + 1)
    return month_start(day), add_months(month_start(after_window), -1)


def lapse_day_when(standing: Standing, day: dt.date) -> dt.date:
    """The lapse day of a sponsorship that is one or two months overdue on `day`."""
    months_left = {Standing.OVERDUE_1: 2, Standing.OVERDUE_2: 1}[standing]
    return add_months(month_start(day), months_left)


# --- as query conditions ------------------------------------------------------------------------
# `prefix` reaches sponsorships through a relation ("sponsorships__", "payment__sponsorship__").


def _q(prefix: str, **lookups) -> Q:
    return Q(**{f"{prefix}{name}": value for name, value in lookups.items()})


def in_force(day: dt.date, prefix: str = "") -> Q:
    """Pledged or active and not lapsed by the calendar on `day`: the one definition of
    "active" that the public list, the dashboard and the commands use."""
    return _q(prefix, state__in=LIVE_STATES) & (
        _q(prefix, lapses_on__isnull=True) | _q(prefix, lapses_on__gt=day)
    )


def lapsed_unrecorded(day: dt.date, prefix: str = "") -> Q:
    """Live by their stored state, but past the lapse day: lapsed, not yet recorded."""
    return _q(prefix, state__in=LIVE_STATES, lapses_on__lte=day)


def lapsed(day: dt.date, prefix: str = "") -> Q:
    """Lapsed on `day`, recorded or by the calendar (see `is_lapsed`)."""
    return _q(prefix, state=LAPSED_STATE) | lapsed_unrecorded(day, prefix)


def coverage_ending(day: dt.date, prefix: str = "") -> Q:
    """In force, with the last paid month ending within 30 days of `day` (not before)."""
    first, last = coverage_ending_months(day)
    return in_force(day, prefix) & _q(prefix, covered_through__gte=first, covered_through__lte=last)


def hold_expired(day: dt.date, hold_days: int, prefix: str = "") -> Q:
    """Pledges that no longer hold their worker on `day`: never paid, no evidence of funds
    (evidence awaiting review, or a PayPal receipt, clears `lapses_on`), and made more than
    `hold_days` full days before `day` (in Bali time)."""
    cutoff = timezone.make_aware(
        dt.datetime.combine(day - dt.timedelta(days=hold_days), dt.time.min)
    )
    return _q(
        prefix,
        state="pledged",
        covered_through__isnull=True,
        lapses_on__isnull=False,
        created_at__lt=cutoff,
    )


# --- the worker's paid months ------------------------------------------------------------------

#: A worker whose paid months run on after their sponsorship ended (stopped, changed, lapsed) is
#: listed as waiting again when those months end within this many days: time enough for a new
#: donor to pledge, pay and send the evidence, and for BCC to register the payment with BPJS,
#: before the protection runs out, and not so early that a new donor pays for months that are
#: already paid.
WAITING_WINDOW_DAYS = 60


def covers(day: dt.date, prefix: str = "") -> Q:
    """Sponsorships whose verified payments cover the month of `day`, whatever their state now:
    protection belongs to the worker, and months paid stay paid."""
    return covers_month(month_start(day), prefix)


def covers_month(month, prefix: str = "") -> Q:
    """As `covers`, for a month given as the first of the month or as an expression of a query
    (a claim's month, worked out in the database: claims.models.ClaimQuerySet.with_coverage)."""
    return _q(prefix, first_month__lte=month, covered_through__gte=month)


def covered_past_window(day: dt.date, prefix: str = "") -> Q:
    """Sponsorships whose paid months end more than WAITING_WINDOW_DAYS after `day` (the last
    day of the last covered month is past the window)."""
    return _q(
        prefix,
        covered_through__gte=month_start(day + dt.timedelta(days=WAITING_WINDOW_DAYS + 1)),
    )


def first_free_month(day: dt.date, paid_through: dt.date | None) -> dt.date:
    """The first month a new sponsorship of a worker may cover: next month at the earliest
    (protection starts the month after registration), and never a month already paid."""
    earliest = earliest_first_month(day)
    if paid_through is None:
        return earliest
    return max(earliest, add_months(paid_through, 1))


def waiting_from(paid_through: dt.date | None, listed_on: dt.date) -> dt.date:
    """Since when a worker has been waiting for a sponsor: the end of their last coverage (the
    first day after it), or the day they were listed if they were never covered."""
    return add_months(paid_through, 1) if paid_through else listed_on


class NextMonth(Func):
    """The first day of the month after a month (a DateField holding first days), in SQL."""

    output_field = DateField()

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="date(%(expressions)s, '+1 month')")

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="((%(expressions)s) + interval '1 month')::date"
        )


def waiting_from_expression(paid_through, listed_on):
    """`waiting_from` as a column, for ordering a list longest-waiting first."""
    return Coalesce(NextMonth(paid_through), listed_on, output_field=DateField())


def _behind(day: dt.date, months: int, prefix: str) -> Q:
    """M is `months` months before the month of `day`."""
    last = add_months(month_start(day), -months)
    return _q(prefix, covered_through=last) | _q(
        prefix, covered_through__isnull=True, first_month=add_months(last, 1)
    )


def _standing_cases(day: dt.date, prefix: str = "") -> list[tuple[Q, Standing]]:
    """`standing_on` as conditions, in its order: the first that holds decides."""
    month = month_start(day)
    return [
        (_q(prefix, lapses_on__lte=day), Standing.LAPSED),
        (_q(prefix, first_month__gt=month), Standing.NOT_STARTED),
        (_q(prefix, covered_through__gte=month), Standing.COVERED),
        (_q(prefix, lapses_on__isnull=True), Standing.AWAITING_VERIFICATION),
        (_behind(day, 1, prefix), Standing.DUE),
        (_behind(day, 2, prefix), Standing.OVERDUE_1),
        (Q(), Standing.OVERDUE_2),
    ]


def standing_expression(day: dt.date, prefix: str = ""):
    """The standing on `day` as a column (NULL for sponsorships that are not live)."""
    live = _q(prefix, state__in=LIVE_STATES)
    return Case(
        *(
            When(live & condition, then=Value(s.value))
            for condition, s in _standing_cases(day, prefix)
        ),
        default=None,
        output_field=CharField(),
    )


def standing_is(day: dt.date, *standings: Standing, prefix: str = "") -> Q:
    """Sponsorships whose standing on `day` is one of `standings`, as a plain filter."""
    wanted = set(standings)
    result = Q(pk__in=[])
    not_before = Q()
    for condition, standing in _standing_cases(day, prefix):
        if standing in wanted:
            result |= not_before & condition
        not_before &= ~condition
    return _q(prefix, state__in=LIVE_STATES) & result
