"""Failed staff logins: django-axes counts them per username and address and, past
AXES_FAILURE_LIMIT, refuses that pair (even with the right password) for AXES_COOLOFF_TIME."""

from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib import admin
from django.shortcuts import render
from django.utils import timezone
from django.utils.timesince import timeuntil
from django.utils.translation import gettext as _


def client_ip(request):
    """The address a login comes from.

    Behind TRUSTED_PROXY_COUNT reverse proxies of our own, each appends the address it saw to
    X-Forwarded-For, so the visitor's is that many entries from the right; anything further
    left is the visitor's own to invent. Without proxies it is the connection's address.
    """
    count = settings.TRUSTED_PROXY_COUNT
    if count:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        forwarded = [address.strip() for address in forwarded if address.strip()]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR")


def lockout_response(request, original_response=None, credentials=None):
    """The translated lockout page, in the admin's look, with the time left to wait."""
    cool_off = get_cool_off(request)
    now = timezone.now()
    context = {
        **admin.site.each_context(request),
        "title": _("Too many failed logins"),
        "wait": timeuntil(now + cool_off, now) if cool_off else None,
    }
    return render(request, "admin/lockout.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)
