"""Abuse limits: so many requests per client (or donor, or email) and time window.

The counters live in the default cache, which every worker process shares (the database cache,
or Redis through CACHE_URL): a per-process memory cache would give each worker its own count
and multiply every limit by the number of workers.

A limit is "<requests>/<window>" with the window in seconds, minutes, hours or days and an
optional count of them: "10/h", "20/10m", "5/3600s". Settings (see bcc_sponsor/settings.py):

- RATELIMIT_ENABLED switches every limit off (the fuzz tests do; an emergency might);
- RATELIMITS maps each scope below to its limit, each one overridable from the environment;
- TRUSTED_PROXY_COUNT (shared with the staff login limits): the client is REMOTE_ADDR, which
  behind a reverse proxy is the proxy itself. Either the proxy sets REMOTE_ADDR to the client,
  or TRUSTED_PROXY_COUNT says how many proxies of ours append to X-Forwarded-For, and the
  address that many entries from the right is taken (the last one behind a single nginx).
  Entries further left are written by the client and prove nothing.

Windows are fixed (counted from the epoch), so a client may get up to twice a limit across a
window boundary: enough to stop guessing and flooding, which is the point. On Redis `incr` is
atomic; on the database cache it is a read and a write, so two requests in the same instant may
be counted once. That errs towards letting a person through, never towards blocking one.
"""

import functools
import ipaddress
import logging
import math
import re
import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.shortcuts import render
from django.utils.crypto import salted_hmac

from core.login_limits import client_ip

logger = logging.getLogger(__name__)

_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@functools.lru_cache
def parse_rate(rate: str) -> tuple[int, int]:
    """(requests, window in seconds) of a limit written "10/h" or "20/10m"."""
    match = _RATE.match(rate or "")
    if not match or int(match.group(1)) < 1 or match.group(2) == "0":
        raise ImproperlyConfigured(
            f"Rate limit {rate!r} is not of the form <requests>/<window>, e.g. 10/h or 20/10m."
        )
    requests, count, unit = match.groups()
    return int(requests), int(count or 1) * _UNIT_SECONDS[unit]


def rate_for(scope: str) -> tuple[int, int]:
    try:
        return parse_rate(settings.RATELIMITS[scope])
    except KeyError as exc:
        raise ImproperlyConfigured(f"RATELIMITS has no limit for {scope!r}.") from exc


def client_address(request) -> str:
    """The client as the limits see it: an IPv4 address, or an IPv6 /64 (one subscriber)."""
    address = client_ip(request) or ""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address or "unknown"
    if ip.version == 6:
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        # A home or phone connection gets a whole /64: counting single addresses would let
        # one subscriber have billions of counters.
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def cache_key(scope: str, ident: str, now: float | None = None) -> str:
    """The counter's key. The identity is hashed: no address or email is written to the cache."""
    requests, window = rate_for(scope)
    now = time.time() if now is None else now
    digest = salted_hmac("core.ratelimit", f"{scope}:{ident}").hexdigest()[:32]
    return f"ratelimit:{scope}:{digest}:{int(now // window)}"


def hit(scope: str, ident: str) -> bool:
    """Count one request of `ident` in `scope`; False once the limit is exceeded."""
    if not settings.RATELIMIT_ENABLED:
        return True
    requests, window = rate_for(scope)
    key = cache_key(scope, ident)
    try:
        if cache.add(key, 1, timeout=window):
            count = 1
        else:
            try:
                count = cache.incr(key)
            except ValueError:
                # The counter expired between add and incr: this is the first of a new window.
                cache.add(key, 1, timeout=window)
                count = 1
    except Exception:
        # A cache that is down must not take the pledge form down with it.
        logger.warning("Rate limit %s not counted: the cache did not answer", scope, exc_info=True)
        return True
    if not isinstance(count, int):
        # A cache that swallows its faults (django-redis with IGNORE_EXCEPTIONS) answers None:
        # not counted either. Failing open is the choice: a pledge or a link request from a
        # real person matters more than a few more tries by an abuser while Redis is away.
        logger.warning("Rate limit %s not counted: the cache did not answer", scope)
        return True
    return count <= requests


def too_many_requests(request, scope: str):
    """The translated 429 page; Retry-After says when the current window ends."""
    requests, window = rate_for(scope)
    left = window - time.time() % window
    # A second more for Retry-After: a client that retries at once is in the next window.
    wait = int(left) + 1
    response = render(
        request,
        "429.html",
        {
            "minutes": max(1, math.ceil(left / 60)),
            "requests": requests,
            "window_minutes": max(1, window // 60),
            "scope": scope,
        },
        status=429,
    )
    response["Retry-After"] = str(wait)
    response["Cache-Control"] = "private, no-store"
    return response


def per_address_and(request, ident: str) -> str:
    """The client address with what the request says about who is asking (an email, a
    donor): people behind one shared address (a phone carrier's) are counted apart."""
    address = client_address(request)
    return f"{address}|{ident}" if ident else address


def refuse_if_over(request, scope: str, ident: str | None = None):
    """None while within the limit, else the 429 answer. `ident` defaults to the client address."""
    if hit(scope, client_address(request) if ident is None else ident):
        return None
    logger.info("Rate limit %s exceeded", scope)
    return too_many_requests(request, scope)


def refuse_if_spent(request, scope: str):
    """Like refuse_if_over, for limits that count failures only (see count_failure): None while
    the client has failed fewer times than the limit in this window, else the 429 answer. This
    request is not counted."""
    if not settings.RATELIMIT_ENABLED:
        return None
    requests, _window = rate_for(scope)
    try:
        failures = cache.get(cache_key(scope, client_address(request)), 0)
    except Exception:
        logger.warning("Rate limit %s not read: the cache did not answer", scope, exc_info=True)
        return None
    if not isinstance(failures, int) or failures < requests:
        return None
    logger.info("Rate limit %s exceeded", scope)
    return too_many_requests(request, scope)


def count_failure(request, scope: str) -> None:
    """Count a failed attempt of this client (a private link that opens nothing)."""
    hit(scope, client_address(request))
