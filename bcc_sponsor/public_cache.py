"""Caching of the public pages for anonymous visitors.

A page is cached under a key made of a version number, today's date in Bali, the language and
the address. Saving any row that a public page shows bumps the version (after the transaction
commits), so a verified payment or a withdrawn consent shows on the next request. Lapses need
no bump: they happen when the date changes, and the date is part of the key.
"""

import functools

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import get_language

from bcc_sponsor.versions import PUBLIC_PAGES

TIMEOUT = 60 * 60


def cached_for_visitors(view):
    """Serve anonymous GET requests of a public page from the shared cache."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        # Only visitors with neither a session nor pending messages: a page for anyone else may
        # carry something of theirs (a flash message, a donor's or staff member's view).
        personal = settings.SESSION_COOKIE_NAME in request.COOKIES or "messages" in request.COOKIES
        if request.method != "GET" or personal or request.user.is_authenticated:
            return view(request, *args, **kwargs)
        key = ":".join(
            [
                "public-page",
                str(PUBLIC_PAGES.current()),
                timezone.localdate().isoformat(),
                get_language() or "",
                request.get_full_path(),
            ]
        )
        hit = cache.get(key)
        if hit is not None:
            content, content_type = hit
            return HttpResponse(content, content_type=content_type)
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.cookies and not response.streaming:
            cache.set(key, (response.content, response["Content-Type"]), TIMEOUT)
        return response

    return wrapper
