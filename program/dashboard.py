"""The staff dashboard: work queues and figures, in a fixed number of queries.

Each queue links to an admin list filtered to exactly its rows, and is counted with the
condition that list filter applies (the conditions of `donations.standing`, or the models'
queryset methods), so the number on the dashboard and the rows on the list agree.
"""

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.cache import cache
from django.db.models import Count, Min, Q, Sum
from django.db.models.functions import TruncMonth
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import months as calendar
from core.templatetags.rupiah import format_rupiah
from core.versions import PROGRAM_DATA, PROGRAM_DATA_SECONDS
from donations import standing
from donations.models import (
    Donor,
    DonorRequest,
    Message,
    Sponsorship,
    needing_sponsor,
    protecting,
)
from donations.standing import Standing
from premiums import services
from premiums.models import (
    PaymentEvidence,
    PremiumPayment,
    Refund,
    awaiting_card,
    bpjs_paid_without_receipt,
    paypal_awaiting_bpjs,
    paypal_reported_not_received,
)
from recipients.models import BpjsCard, CardHandover, Recipient

#: One or two months overdue: without evidence, lapsed within two months.
WILL_LAPSE = (Standing.OVERDUE_1, Standing.OVERDUE_2)
#: The chart of premiums received covers this many months, the current one last.
CHART_MONTHS = 24


# --- the queues ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Queue:
    key: str  # stable name, for the page's element ids and the tests
    group: str
    label: str
    count: int
    url: str
    detail: str = ""


def changelist(model, **params) -> str:
    """The admin list of `model`, filtered by `params` (list filter parameters)."""
    meta = model._meta
    url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
    return f"{url}?{urlencode(params)}" if params else url


def counts(day: dt.date) -> dict:
    """Every count the dashboard shows on `day`, in ten queries whatever the amount of data:
    one aggregate per model, each counting several things at once where it can."""
    evidence = PaymentEvidence.objects.filter(status=PaymentEvidence.Status.PENDING).aggregate(
        evidence_pending=Count("pk"),
        evidence_late=Count("pk", filter=standing.lapsed(day, prefix="payment__sponsorship__")),
    )
    sponsorships = Sponsorship.objects.aggregate(
        awaiting_decision=Count("pk", filter=Q(state=Sponsorship.State.AWAITING_DECISION)),
        coverage_ending=Count("pk", filter=standing.coverage_ending(day)),
        will_lapse=Count("pk", filter=standing.standing_is(day, *WILL_LAPSE)),
        # Workers, by paid months: a stopped sponsorship's paid months still protect.
        protected_now=Count("recipient", distinct=True, filter=protecting(day)),
    )
    handovers = CardHandover.objects.aggregate(
        undocumented=Count("pk", filter=Q(documentation_sent_at__isnull=True)),
        # Distinct cards, as on the public "help provided" page: a card handed over again
        # (lost and brought back, say) is still one person with a card.
        cards_handed_over=Count("card", distinct=True),
    )
    waiting = (
        needing_sponsor(day)
        .order_by()
        .aggregate(
            waiting=Count("pk"),
            waiting_since=Min(standing.waiting_from_expression("paid_through", "waiting_since")),
        )
    )
    # The legs of the PayPal route that wait on BCC (premiums.models has the conditions).
    paypal = PremiumPayment.objects.aggregate(
        paypal_reported=Count("pk", filter=paypal_reported_not_received()),
        paypal_awaiting_bpjs=Count("pk", filter=paypal_awaiting_bpjs()),
        paypal_received_since=Min("paypal_received_on", filter=paypal_awaiting_bpjs()),
        bpjs_no_receipt=Count("pk", filter=bpjs_paid_without_receipt()),
    )
    requests = DonorRequest.objects.filter(status=DonorRequest.Status.OPEN).aggregate(
        open_requests=Count("pk"),
        decisions=Count("pk", filter=Q(situation_update__isnull=False)),
    )
    refunds = Refund.objects.filter(state__in=Refund.OUTSTANDING_STATES).aggregate(
        refunds=Count("pk"),
        refunds_decided=Count("pk", filter=~Q(donor_choice="")),
    )
    return {
        **evidence,
        **sponsorships,
        **handovers,
        **waiting,
        **paypal,
        **requests,
        **refunds,
        "awaiting_card": awaiting_card().count(),
        "cards_waiting": BpjsCard.objects.awaiting_handover().count(),
        "messages_stuck": Message.objects.stuck().count(),
        "stale_quotes": len(services.stale_quotes()),
        # The same count as the public pages: active, and seen by staff (one payment verified).
        "active_donors": Donor.objects.seen_by_staff_active_on(day).count(),
    }


def queues(day: dt.date, n: dict) -> list[Queue]:
    """The work waiting for staff on `day` (`n` from counts()), in the order of the program."""
    longest = ""
    if n["waiting_since"]:
        longest = _("longest: %(time)s") % {"time": timesince(n["waiting_since"], now=day, depth=1)}
    payments, cards, donors, coverage, people = (
        _("Payments"),
        _("BPJS cards"),
        _("Donors"),
        _("Coverage"),
        _("Recipients"),
    )
    pending = PaymentEvidence.Status.PENDING
    paypal_longest = ""
    if n["paypal_received_since"]:
        waited = (day - n["paypal_received_since"]).days
        paypal_longest = ngettext(
            "longest: %(days)d day waiting", "longest: %(days)d days waiting", waited
        ) % {"days": waited}
    refunds_decided = ""
    if n["refunds_decided"]:
        refunds_decided = ngettext(
            "%(count)d with the donor's decision waiting",
            "%(count)d with the donor's decision waiting",
            n["refunds_decided"],
        ) % {"count": n["refunds_decided"]}
    return [
        Queue(
            "evidence",
            payments,
            _("Evidence awaiting verification"),
            n["evidence_pending"],
            changelist(PaymentEvidence, status__exact=pending),
        ),
        Queue(
            "stale_quotes",
            payments,
            _("Amounts to pay out of date (a rate changed): re-quote"),
            n["stale_quotes"],
            changelist(PremiumPayment, quote_stale="yes"),
        ),
        Queue(
            "paypal_reported",
            payments,
            _("PayPal payments the donor reports, receipt not recorded"),
            n["paypal_reported"],
            changelist(PremiumPayment, paypal_step="reported"),
        ),
        Queue(
            "paypal_awaiting_bpjs",
            payments,
            _("PayPal received, BPJS not paid yet"),
            n["paypal_awaiting_bpjs"],
            changelist(PremiumPayment, paypal_step="bpjs_unpaid"),
            paypal_longest,
        ),
        Queue(
            "bpjs_no_receipt",
            payments,
            _("Paid to BPJS for a PayPal donor, BCC's receipt not uploaded"),
            n["bpjs_no_receipt"],
            changelist(PremiumPayment, paypal_step="no_receipt"),
        ),
        Queue(
            "late_evidence",
            payments,
            _("Late evidence for lapsed sponsorships"),
            n["evidence_late"],
            changelist(PaymentEvidence, status__exact=pending, sponsorship_lapsed="yes"),
        ),
        Queue(
            "awaiting_card",
            cards,
            _("Verified payments awaiting the BPJS card"),
            n["awaiting_card"],
            changelist(Recipient, card="awaiting"),
        ),
        Queue(
            "awaiting_handover",
            cards,
            _("Cards awaiting handover"),
            n["cards_waiting"],
            changelist(BpjsCard, handed_over="no"),
        ),
        Queue(
            "undocumented",
            cards,
            _("Handovers whose documentation the donor has not been sent"),
            n["undocumented"],
            changelist(CardHandover, documentation_sent_at__isempty="1"),
        ),
        Queue(
            "awaiting_decision",
            donors,
            _("Sponsorships waiting for the donor's decision"),
            n["awaiting_decision"],
            changelist(Sponsorship, state__exact=Sponsorship.State.AWAITING_DECISION),
        ),
        Queue(
            "open_requests",
            donors,
            _("Open donor requests (stop or change recipient)"),
            n["open_requests"],
            changelist(DonorRequest, status=DonorRequest.Status.OPEN),
        ),
        Queue(
            "decisions",
            donors,
            _("Donors' decisions after a situation update"),
            n["decisions"],
            changelist(DonorRequest, status__exact=DonorRequest.Status.OPEN, answers_update="yes"),
        ),
        Queue(
            "refunds",
            donors,
            _("Refunds outstanding"),
            n["refunds"],
            changelist(Refund, outstanding="yes"),
            refunds_decided,
        ),
        Queue(
            "messages_stuck",
            donors,
            _("Emails to donors not delivered yet (the mail server refuses)"),
            n["messages_stuck"],
            changelist(Message, stuck="yes"),
        ),
        Queue(
            "coverage_ending",
            coverage,
            _("Coverage ending within %(days)d days") % {"days": standing.COVERAGE_ENDING_DAYS},
            n["coverage_ending"],
            changelist(Sponsorship, in_force="ending"),
        ),
        Queue(
            "will_lapse",
            coverage,
            _("One or two months overdue (will lapse)"),
            n["will_lapse"],
            changelist(Sponsorship, in_force="overdue"),
        ),
        Queue(
            "waiting",
            people,
            _("Recipients waiting for a sponsor"),
            n["waiting"],
            changelist(Recipient, needs_sponsor="yes"),
            longest,
        ),
    ]


def can_open(request, url: str) -> bool:
    """Whether this staff member may open the admin list a queue links to: the permission that
    list itself checks (its ModelAdmin's), so a volunteer sees no link that would answer 403."""
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return False
    model_admin = getattr(match.func, "model_admin", None)
    return model_admin is None or model_admin.has_view_or_change_permission(request)


def visible(request, items: list[Queue]) -> list[Queue]:
    """The queues this staff member can act on (no query beyond loading their permissions)."""
    return [queue for queue in items if can_open(request, queue.url)]


def grouped(items: list[Queue]) -> list[tuple[str, list[Queue]]]:
    """The queues under their headings, in order."""
    groups: dict[str, list[Queue]] = {}
    for queue in items:
        groups.setdefault(queue.group, []).append(queue)
    return list(groups.items())


# --- figures ---------------------------------------------------------------------------------


def counts_and_months(day: dt.date) -> tuple[dict, list[tuple[dt.date, int]]]:
    """counts(day) and premiums_by_month(day), computed once for every staff member until the
    program's data changes (or the day does).

    At 100,000 payments their queries take about 100 ms; the dashboard is opened far more often
    than anything on it changes.
    """
    key = f"staff-dashboard:{PROGRAM_DATA.current()}:{day.isoformat()}"
    cached = cache.get(key)
    if cached is None:
        cached = (counts(day), premiums_by_month(day))
        cache.set(key, cached, PROGRAM_DATA_SECONDS)
    return cached


def premiums_by_month(day: dt.date, months: int = CHART_MONTHS) -> list[tuple[dt.date, int]]:
    """Verified premiums per month of verification, the last `months` months up to `day`'s.

    One query: the database groups by the month in Bali time (settings.TIME_ZONE,
    Asia/Makassar), so a payment verified at 00:30 on 1 January in Bali counts in January
    though it is still December in UTC. Months without payments are 0.
    """
    bali = timezone.get_current_timezone()
    this_month = calendar.month_start(day)
    first = calendar.add_months(this_month, -(months - 1))
    after = calendar.add_months(this_month, 1)
    rows = (
        PremiumPayment.objects.filter(
            status=PremiumPayment.Status.VERIFIED,
            verified_at__gte=dt.datetime.combine(first, dt.time.min, tzinfo=bali),
            verified_at__lt=dt.datetime.combine(after, dt.time.min, tzinfo=bali),
        )
        .annotate(month=TruncMonth("verified_at", tzinfo=bali))
        .values("month")
        .annotate(total=Sum("amount"))
        .order_by("month")
    )
    totals = {timezone.localtime(row["month"], bali).date(): row["total"] for row in rows}
    return [(month, totals.get(month, 0)) for month in calendar.month_range(first, months)]


def figures(day: dt.date, n: dict, by_month: list[tuple[dt.date, int]]) -> dict:
    """People protected now, active donors, premiums received this year, cards handed over.

    No query of its own: this year's premiums come from the monthly figures of the chart,
    which always include every month of the current year.
    """
    return {
        "protected_now": n["protected_now"],
        "active_donors": n["active_donors"],
        "premiums_this_year": sum(total for month, total in by_month if month.year == day.year),
        "cards_handed_over": n["cards_handed_over"],
    }


# --- the chart -------------------------------------------------------------------------------

# SVG user units: the viewBox scales the drawing to the width of the screen.
CHART_WIDTH = 600
CHART_PAD = 36  # room for the first and last month's label
CHART_TOP = 28  # room for the scale above the tallest bar
CHART_BASE = 222  # the baseline; the month labels go below it
CHART_HEIGHT = 260


def bar_chart(by_month: list[tuple[dt.date, int]]) -> dict:
    """The drawing of the monthly figures: one bar per month, a label every three months.

    Labels count back from the current month so that it is always labelled; every other one
    is "minor" and hidden on narrow screens, where the text is drawn larger.
    """
    slot = (CHART_WIDTH - 2 * CHART_PAD) / len(by_month)
    scale = max((total for _month, total in by_month), default=0)
    plot = CHART_BASE - CHART_TOP
    bars = []
    for i, (month, total) in enumerate(by_month):
        height = round(plot * total / scale, 1) if scale else 0
        x = CHART_PAD + i * slot
        back = len(by_month) - 1 - i
        bars.append(
            {
                "month": month,
                "total": total,
                "x": round(x + slot * 0.15, 1),
                "slot_x": round(x, 1),
                "width": round(slot * 0.7, 1),
                "y": round(CHART_BASE - height, 1),
                "height": height,
                "centre": round(x + slot / 2, 1),
                "title": f"{date_format(month, 'YEAR_MONTH_FORMAT')}: {format_rupiah(total)}",
                "label": date_format(month, "M Y") if back % 3 == 0 else "",
                "minor": back % 6 == 3,
            }
        )
    return {
        "bars": bars,
        "slot": round(slot, 1),
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "left": CHART_PAD,
        "right": CHART_WIDTH - CHART_PAD,
        "top": CHART_TOP,
        "base": CHART_BASE,
        "plot": plot,
        "label_y": CHART_BASE + 24,
        "scale": format_rupiah(scale) if scale else "",
        "total": sum(total for _month, total in by_month),
    }
