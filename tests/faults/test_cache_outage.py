"""Redis as cache goes away: pages keep answering (the cache degrades to a miss).

A real unreachable Redis (a closed loopback port), not a mock.
"""

import logging

import pytest
from django.core.cache import caches

pytestmark = pytest.mark.django_db

UNREACHABLE = {
    "default": {
        "BACKEND": "hds_site.cache.TolerantRedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "KEY_PREFIX": "hds-outage",
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
}


@pytest.fixture
def redis_down(settings):
    from hds_site import cache as tolerant

    # the outage flag is per process: each test starts (and leaves) with no outage noted
    tolerant._outage.clear()
    # Django's setting_changed handler rebuilds the cache handlers for the new CACHES
    settings.CACHES = UNREACHABLE
    yield
    tolerant._outage.clear()


def test_cache_operations_degrade_to_misses(redis_down, caplog):
    cache = caches["default"]
    with caplog.at_level(logging.WARNING, logger="hds_site.cache"):
        assert cache.get("k") is None
        assert cache.get("k", "fallback") == "fallback"
        cache.set("k", 1)
        assert cache.add("k", 0) is True
        assert cache.incr("k") == 1
        assert cache.get_many(["a", "b"]) == {}
        cache.delete("k")
    warnings = [r for r in caplog.records if r.name == "hds_site.cache"]
    assert len(warnings) == 1, "the outage is logged once, not per call"


def test_pages_answer_while_the_cache_is_down(redis_down, client):
    from hds_site.content.services import ensure_wagtail_base

    ensure_wagtail_base()
    for url in ["/", "/forum/", "/beratung-finden/", "/konto/login/", "/healthz"]:
        response = client.get(url)
        assert response.status_code in (200, 302, 404), (url, response.status_code)
        assert response.status_code != 500
    response = client.post("/konto/login/", {"login": "nobody@example.org", "password": "wrong-password"})
    assert response.status_code == 200  # rate limit fails open, the form answers
