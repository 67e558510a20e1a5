"""A Redis cache that degrades to "no cache" while Redis is unreachable.

The cache holds nothing that must survive (Wagtail's site lookup, rate-limit
windows, throttles, presence). When Redis goes away, reads miss, writes are
dropped and the site keeps answering; the outage is logged once, and its end
too. Rate limits fail open during the outage (documented in docs/operations.md).
"""

from __future__ import annotations

import functools
import logging
import threading

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

_UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError, OSError)
_outage = threading.Event()


def _tolerant(default):
    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            try:
                result = method(self, *args, **kwargs)
            except _UNAVAILABLE as exc:
                if not _outage.is_set():
                    _outage.set()
                    logger.warning("cache unavailable, serving without it (%s)", exc.__class__.__name__)
                return default(*args, **kwargs) if callable(default) else default
            if _outage.is_set():
                _outage.clear()
                logger.warning("cache reachable again")
            return result

        return wrapper

    return decorate


def _default_arg(*args, **kwargs):
    """get(key, default=None): the caller's default."""
    if "default" in kwargs:
        return kwargs["default"]
    return args[1] if len(args) > 1 else None


def _incr_fallback(key, delta=1, version=None):
    # the key "exists" with no previous hits: counting starts again after the outage
    return delta


class TolerantRedisCache(RedisCache):
    get = _tolerant(_default_arg)(RedisCache.get)
    set = _tolerant(None)(RedisCache.set)
    add = _tolerant(True)(RedisCache.add)
    delete = _tolerant(False)(RedisCache.delete)
    touch = _tolerant(False)(RedisCache.touch)
    incr = _tolerant(_incr_fallback)(RedisCache.incr)
    has_key = _tolerant(False)(RedisCache.has_key)
    get_many = _tolerant({})(RedisCache.get_many)
    set_many = _tolerant([])(RedisCache.set_many)
    delete_many = _tolerant(None)(RedisCache.delete_many)
    clear = _tolerant(None)(RedisCache.clear)
