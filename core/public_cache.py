"""Caching of the public pages for anonymous visitors.

A page is cached under a key made of today's date in Bali, the language and the address, with
the version of the public data it was built from (core.versions). Saving any row that a
public page shows bumps that version (after the transaction commits), so a verified payment or
a withdrawn consent shows on the next request. Lapses need no bump: they happen when the date
changes, and the date is part of the key.
"""

import functools
import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import get_language

from core.versions import PUBLIC_PAGES

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
        # The address is hashed: a long query string must not make a key too long to store.
        address = hashlib.sha256(request.get_full_path().encode()).hexdigest()
        key = f"public-page:{timezone.localdate().isoformat()}:{get_language() or ''}:{address}"
        # One round trip for the version and the page: the page keeps the version it was built
        # from, and is served only while that is still the current one.
        found = cache.get_many([PUBLIC_PAGES.key, key])
        version = found.get(PUBLIC_PAGES.key) or PUBLIC_PAGES.current()
        hit = found.get(key)
        if hit is not None and hit[0] == version:
            _version, content, content_type = hit
            return HttpResponse(content, content_type=content_type)
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.cookies and not response.streaming:
            cache.set(key, (version, response.content, response["Content-Type"]), TIMEOUT)
        return response

    return wrapper
