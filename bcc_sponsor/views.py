from django.db import DatabaseError, connection
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from donations import rules as calendar
from donations.models import Sponsorship
from premiums import rules
from premiums.models import Benefit, PremiumRate
from recipients.models import Recipient


@require_GET
def home(request):
    """The program, what it costs (from the rate table), what it covers, who is waiting."""
    today = timezone.localdate()
    next_month = calendar.add_months(calendar.month_start(today), 1)
    rates = PremiumRate.objects.as_rules()
    language = get_language()
    try:
        monthly = rules.rate_for_month(rates, next_month).monthly
        yearly = rules.price(rates, next_month, calendar.MINIMUM_MONTHS)
    except rules.NoRateError:
        monthly = yearly = None
    context = {
        "monthly": monthly,
        "yearly": yearly,
        "benefits": [(b.title_for(language), b.text_for(language)) for b in Benefit.objects.all()],
        "waiting": Recipient.objects.needing_sponsor().only(*Recipient.PUBLIC_FIELDS)[:3],
        "waiting_count": Recipient.objects.needing_sponsor().count(),
        "protected_count": Sponsorship.objects.live_on(today)
        .filter(covered_through__gte=calendar.month_start(today))
        .count(),
    }
    return render(request, "home.html", context)


@require_GET
@never_cache
def healthz(request):
    """Liveness for the load balancer: the app answers and so does its database."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")
