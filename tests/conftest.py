"""Shared fixtures and the rule: under CI=true nothing is skipped for lack of a service."""

import os

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"


def require(condition: bool, reason: str) -> None:
    """Skip locally when a real component is missing; fail under CI=true."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI=true and {reason}", pytrace=False)
    pytest.skip(reason)


SERVICE_FIXTURES = {"postgres", "redis_url"}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """A test that asks for PostgreSQL or Redis is a `services` test, marked or not:
    `make test` (embedded defaults) deselects it, `make test-all` runs it."""
    for item in items:
        if SERVICE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.services)


@pytest.fixture
def postgres():
    from django.db import connection

    require(connection.vendor == "postgresql", "this test needs PostgreSQL (set DATABASE_URL)")
    return connection


@pytest.fixture
def redis_url():
    url = os.environ.get("REDIS_URL")
    require(bool(url), "this test needs Redis (set REDIS_URL)")
    return url


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in German, whatever language an earlier test's request activated.

    The test client runs requests in the test's own thread and LocaleMiddleware
    never deactivates, so a request under /en/ would leave English active for
    the next test's service calls (mails rendered in English). Under Daphne each
    request has its own context, so this only concerns tests.
    """
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    cache = caches["default"]
    if isinstance(cache, RedisCache):
        # only this worker's keys: cache.clear() would FLUSHDB what other xdist workers
        # (and live Daphne processes) share
        client = cache._cache.get_client(write=True)
        keys = list(client.scan_iter(match=f"{cache.key_prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
    else:
        cache.clear()
    yield


@pytest.fixture(autouse=True)
def _live_events_match_their_declarations():
    """Every live event a test sends (published, broadcast, sent to a socket) is checked against
    its declaration in the app's events.py (hds_site.realtime.validate): an undeclared type or
    data that does not match fails the test that sent it (tests/test_live_events_schema.py)."""
    from hds_site import realtime

    problems: list[str] = []

    def check(group: str, envelope: dict) -> None:
        problems.extend(f"{group}: {problem}" for problem in realtime.validate(envelope))

    realtime.observers.append(check)
    yield
    realtime.observers.remove(check)
    if problems:
        pytest.fail("live events that do not match their declaration:\n" + "\n".join(sorted(set(problems))))
