"""How the shared cache is reached, so that a cache fault never becomes an error page.

Read by the settings module: no Django imports here.
"""

REDIS_BACKEND = "django_redis.cache.RedisCache"


def resilient(config: dict, timeout: float) -> dict:
    """`config` (a CACHES entry) with Redis calls that give up within `timeout` seconds and then
    act as a miss (django-redis logs the fault) instead of raising into the request.

    Pages are then built afresh, the rate limits let requests through (core/ratelimit.py),
    and sessions are read from the database they are written through to. Other backends are
    returned unchanged.
    """
    if config.get("BACKEND") != REDIS_BACKEND:
        return config
    options = {
        **config.get("OPTIONS", {}),
        "SOCKET_CONNECT_TIMEOUT": timeout,
        "SOCKET_TIMEOUT": timeout,
        "IGNORE_EXCEPTIONS": True,
    }
    return {**config, "OPTIONS": options}
