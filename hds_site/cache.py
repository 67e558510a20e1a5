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

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.utils.functional import cached_property
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


class SharedRedisCacheClient(RedisCacheClient):
    """Django's client, keeping one ``redis.Redis`` per server instead of building one per call."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._redis_by_index: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        # the private parts of Django's RedisCacheClient and RedisCache used here are not in django-stubs
        index = self._get_connection_pool_index(write)  # type: ignore[attr-defined]
        client = self._redis_by_index.get(index)
        if client is None:
            pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
            client = self._redis_by_index[index] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client


_clients: dict[tuple, SharedRedisCacheClient] = {}
_clients_lock = threading.Lock()


class TolerantRedisCache(RedisCache):
    """Redis through one client and connection pool per process and configuration.

    Django's cache handler builds a cache object per thread, and under Daphne
    every request runs its synchronous code in a new thread: with Django's own
    backend each request opened (and later dropped) a new Redis connection.
    redis-py's pools are thread-safe and reset themselves after a fork.
    """

    @cached_property
    def _cache(self):
        servers, options = self._servers, self._options  # type: ignore[attr-defined]
        key = (tuple(servers), repr(sorted(options.items(), key=lambda item: item[0])))
        with _clients_lock:
            client = _clients.get(key)
            if client is None:
                client = _clients[key] = SharedRedisCacheClient(servers, **options)
        return client

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
