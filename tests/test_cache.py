"""The Redis cache keeps one client and connection pool per process (hds_site/cache.py).

Django builds a cache object per thread and Daphne runs each request's sync
code in a new thread: without sharing, every request opened a Redis connection.
Real Redis (REDIS_URL).
"""

import threading

import pytest
from django.core.cache import caches

pytestmark = pytest.mark.services


@pytest.fixture
def redis_cache(settings, redis_url):
    settings.CACHES = {
        "default": {
            "BACKEND": "hds_site.cache.TolerantRedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": "hds-test-shared",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
    return caches["default"]


def test_threads_share_one_client_and_one_connection_pool(redis_cache):
    seen = []

    def use_cache(n):
        cache = caches["default"]  # a new cache object in this thread
        cache.set(f"k{n}", n, 30)
        # the cache object itself, not its id: a finished thread's cache object can be freed and its id reused
        seen.append((cache, cache._cache, cache._cache.get_client(write=True), cache.get(f"k{n}")))

    threads = [threading.Thread(target=use_cache, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(cache) for cache, *_ in seen}) == 8  # Django's per-thread cache objects …
    assert len({id(client) for _, client, _, _ in seen}) == 1  # … share one client
    assert len({id(redis) for _, _, redis, _ in seen}) == 1
    assert sorted(value for *_, value in seen) == list(range(8))
    pool = seen[0][2].connection_pool
    assert len(pool._available_connections) + len(pool._in_use_connections) <= 8


def test_another_configuration_gets_its_own_client(redis_cache, settings, redis_url):
    first = redis_cache._cache
    settings.CACHES = {"default": {**settings.CACHES["default"], "KEY_PREFIX": "other",
                                   "LOCATION": redis_url.rsplit("/", 1)[0] + "/15"}}
    assert caches["default"]._cache is not first
