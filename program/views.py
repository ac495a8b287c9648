import secrets

from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from claims import dashboard as claims_dashboard
from claims import impact as claim_impact
from core.otp import verified_staff_member_required
from core.public_cache import cached_for_visitors
from donations.models import needing_sponsor
from donations.rules import MINIMUM_MONTHS, earliest_first_month
from premiums import impact, rules
from premiums.models import Benefit, PremiumRate
from program import dashboard
from recipients.models import Recipient


@require_GET
@cached_for_visitors
def home(request):
    """The program, what it costs (from the rate table), what it covers, who is waiting."""
    today = timezone.localdate()
    next_month = earliest_first_month(today)
    rates = PremiumRate.objects.as_rules()
    language = get_language()
    try:
        monthly = rules.rate_for_month(rates, next_month).monthly
        yearly = rules.price(rates, next_month, MINIMUM_MONTHS)
    except rules.NoRateError:
        monthly = yearly = None
    context = {
        "monthly": monthly,
        "yearly": yearly,
        "benefits": [(b.title_for(language), b.text_for(language)) for b in Benefit.objects.all()],
        "waiting": needing_sponsor(today).only(*Recipient.PUBLIC_FIELDS)[:3],
        "figures": {**impact.figures(today), **claim_impact.figures()},
    }
    return render(request, "home.html", context)


@require_GET
@cached_for_visitors
def contact(request):
    """How to reach BCC: the contact details that coordinators keep in the admin."""
    return render(request, "program/contact.html")


@require_GET
@never_cache
def healthz(request):
    """Liveness for the load balancer, and which dependency failed.

    503 when the database does not answer: nothing works without it. A cache that does not
    answer is named but keeps the answer 200, because every page works without the cache
    (slower): taking all app servers out of the load balancer for it would take the site down.
    `?strict=1` (for monitoring) answers 503 for the cache too.
    """
    database = _database_answers()
    cache_ok = _cache_answers()
    lines = [
        f"database: {'ok' if database else 'unavailable'}",
        f"cache: {'ok' if cache_ok else 'unavailable'}",
    ]
    healthy = database and (cache_ok or not request.GET.get("strict"))
    body = ("ok\n" if database and cache_ok else "") + "\n".join(lines) + "\n"
    return HttpResponse(body, status=200 if healthy else 503, content_type="text/plain")


def _database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return False
    return True


def _cache_answers() -> bool:
    # A cache that swallows its faults (django-redis with IGNORE_EXCEPTIONS) answers a miss:
    # a value written and read back is the only proof that it works.
    probe = secrets.token_hex(8)
    try:
        cache.set("healthz", probe, timeout=10)
        return cache.get("healthz") == probe
    except Exception:
        return False


@verified_staff_member_required
@require_GET
@never_cache
def staff_dashboard(request):
    """Work queues and figures for BCC staff; each queue opens the admin list of its rows."""
    today = timezone.localdate()
    counts, by_month = dashboard.counts_and_months(today)
    context = {
        "today": today,
        "queue_groups": dashboard.grouped(
            dashboard.visible(request, dashboard.queues(today, counts))
        ),
        "figures": dashboard.figures(today, counts, by_month),
        "chart": dashboard.bar_chart(by_month),
        "claims": claims_dashboard.overview(),
    }
    return render(request, "staff/dashboard.html", context)
