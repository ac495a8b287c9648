"""The claims part of the staff dashboard: milestones and open claims, in four queries
whatever the number of workers, payments or claims."""

import datetime as dt
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Sum
from django.utils import timezone

from claims.models import Claim, countdown
from core.months import month_range
from core.versions import PROGRAM_DATA, PROGRAM_DATA_SECONDS
from premiums.models import PremiumPayment

#: Three years of contributions make a worker's children eligible for the scholarship.
SCHOLARSHIP_MONTHS = 36
#: How many rows each list shows; the admin list has the rest.
SHOWN = 20


@dataclass(frozen=True)
class Milestone:
    recipient_id: int
    nickname: str
    months_paid: int
    reached: dt.date  # the month of the 36th paid month


def paid_months(periods) -> list[dt.date]:
    """The distinct months covered by (first month, number of months) periods, in order:
    months paid twice (two sponsorships overlapping) count once, gaps count for nothing."""
    months = {month for first, n in periods for month in month_range(first, n)}
    return sorted(months)


def scholarship_milestones() -> list[Milestone]:
    """Workers with three years of contributions actually paid (verified payments, across
    gaps and sponsorships) whose family has no scholarship claim yet."""
    verified = PremiumPayment.objects.filter(status=PremiumPayment.Status.VERIFIED).exclude(
        sponsorship__recipient__claims__kind=Claim.Kind.SCHOLARSHIP
    )
    # Query 1: a sum of months below 36 cannot hold 36 distinct months.
    candidates = (
        verified.values("sponsorship__recipient")
        .annotate(total=Sum("months"))
        .filter(total__gte=SCHOLARSHIP_MONTHS)
        .values("sponsorship__recipient")
    )
    # Query 2: their payments, to count distinct months exactly.
    rows = verified.filter(sponsorship__recipient__in=candidates).values_list(
        "sponsorship__recipient", "sponsorship__recipient__nickname", "first_month", "months"
    )
    periods: dict[int, tuple[str, list]] = {}
    for recipient_id, nickname, first, months in rows:
        periods.setdefault(recipient_id, (nickname, []))[1].append((first, months))
    found = []
    for recipient_id, (nickname, spans) in periods.items():
        months = paid_months(spans)
        if len(months) >= SCHOLARSHIP_MONTHS:
            found.append(
                Milestone(recipient_id, nickname, len(months), months[SCHOLARSHIP_MONTHS - 1])
            )
    return sorted(found, key=lambda m: (m.reached, m.nickname))


def overview(now=None) -> dict:
    """What the dashboard shows about claims. The rows are computed once for every staff member
    until the program's data changes (as the dashboard's figures are); the countdowns, which
    move with the clock, are worked out on each visit."""
    now = now or timezone.now()
    key = f"staff-dashboard-claims:{PROGRAM_DATA.current()}:{timezone.localdate(now)}"
    rows = cache.get(key)
    if rows is None:
        rows = _rows()
        cache.set(key, rows, PROGRAM_DATA_SECONDS)
    for claim in rows["open_claims"]:
        claim.late = claim.is_past_deadline(now)
        claim.countdown = countdown(claim, now)
    return rows


def _rows() -> dict:
    open_claims = Claim.objects.by_deadline()
    milestones = scholarship_milestones()  # queries 1-2
    return {
        # Query 3, with each claim's coverage as the payments stand now (a subquery).
        "open_claims": list(open_claims.with_coverage().select_related("recipient")[:SHOWN]),
        "open_count": open_claims.count(),  # query 4
        "milestones": milestones[:SHOWN],
        "milestone_count": len(milestones),
    }
