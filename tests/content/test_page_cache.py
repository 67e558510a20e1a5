"""The page cache (hds_site/pagecache.py): anonymous GETs of editorial pages, invalidated on changes."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests import factories


def _token(response) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"', response.content.decode()).group(1)


def _without_token(content: bytes) -> bytes:
    return re.sub(rb'name="csrfmiddlewaretoken" value="[A-Za-z0-9]{64}"', b"", content)


@pytest.fixture
def page_cache(settings):
    settings.HDS_PAGE_CACHE_SECONDS = 300
    return settings


def test_anonymous_get_is_stored_then_served_from_the_cache(page_cache, client, article, django_assert_num_queries):
    first = client.get(article.url)
    assert first.status_code == 200
    assert first["X-Page-Cache"] == "miss"
    with django_assert_num_queries(0):
        second = client.get(article.url)
    assert second.status_code == 200
    assert second["X-Page-Cache"] == "hit"
    assert int(second["Age"]) >= 0
    # the same page; only the CSRF token of the language switcher is this request's own
    assert _without_token(second.content) == _without_token(first.content)
    assert _token(second) != _token(first)
    assert "Künstlersozialkasse erklärt" in second.content.decode()
    # the headers of the page come along (security headers are added around the cache on every response)
    assert second["Content-Type"] == first["Content-Type"]
    assert second["Content-Security-Policy"]


def test_home_and_topic_hub_are_cached(page_cache, client, home, topics):
    for url in (home.url, topics["sozial"].url):
        assert client.get(url)["X-Page-Cache"] == "miss"
        assert client.get(url)["X-Page-Cache"] == "hit"


def test_publishing_a_page_invalidates_every_stored_page(
    page_cache, client, article, home, django_capture_on_commit_callbacks
):
    client.get(article.url)
    client.get(home.url)
    assert client.get(article.url)["X-Page-Cache"] == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        article.title = "Künstlersozialkasse neu erklärt"
        article.save_revision().publish()
    fresh = client.get(article.url)
    assert fresh["X-Page-Cache"] == "miss"
    assert "Künstlersozialkasse neu erklärt" in fresh.content.decode()
    # other pages (lists, teasers) may show the changed page: they are rendered again too
    assert client.get(home.url)["X-Page-Cache"] == "miss"


def test_unpublishing_invalidates(page_cache, client, article, django_capture_on_commit_callbacks):
    client.get(article.url)
    url = article.url
    assert client.get(url)["X-Page-Cache"] == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        article.unpublish()
    assert client.get(url).status_code == 404


def test_moving_and_deleting_invalidate(page_cache, client, article, home, topics, django_capture_on_commit_callbacks):
    client.get(home.url)
    assert client.get(home.url)["X-Page-Cache"] == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        topics["recht"].delete()
    assert client.get(home.url)["X-Page-Cache"] == "miss"
    assert client.get(home.url)["X-Page-Cache"] == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        article.move(topics["sozial"], pos="last-child")
    assert client.get(home.url)["X-Page-Cache"] == "miss"


def test_a_snippet_change_invalidates(page_cache, client, home, django_capture_on_commit_callbacks):
    client.get(home.url)
    assert client.get(home.url)["X-Page-Cache"] == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        factories.content_advice_centre()
    assert client.get(home.url)["X-Page-Cache"] == "miss"


def test_no_invalidation_before_commit(page_cache, client, article, django_capture_on_commit_callbacks):
    """The generation changes only when the change is committed (a render in between stored old data)."""
    client.get(article.url)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        article.title = "Noch nicht übernommen"
        article.save_revision().publish()
        assert client.get(article.url)["X-Page-Cache"] == "hit"
    assert callbacks


def test_never_for_logged_in_members(page_cache, client, article):
    client.get(article.url)
    assert client.get(article.url)["X-Page-Cache"] == "hit"  # stored for anonymous visitors
    member = factories.UserFactory()
    client.force_login(member)
    for _ in range(2):
        r = client.get(article.url)
        assert r.status_code == 200
        assert "X-Page-Cache" not in r  # neither served from nor stored into the cache
        assert reverse("account_logout") in r.content.decode()  # the member's own page (logout form)
    client.logout()
    # what the member saw was not stored: the anonymous page is still the cached one
    r = client.get(article.url)
    assert r["X-Page-Cache"] == "hit"
    assert reverse("account_logout") not in r.content.decode()


@pytest.fixture
def campaign(home):
    return factories.make_campaign()


def test_campaign_pages_are_not_cached_by_default(page_cache, client, campaign):
    """Sign form and live counts: the campaigns app is not in HDS_PAGE_CACHE_APPS."""
    for _ in range(2):
        r = client.get(campaign.url)
        assert r.status_code == 200
        assert "X-Page-Cache" not in r


def test_a_cached_page_carries_each_visitors_own_csrf_token(page_cache, client, article):
    """The language switcher (a POST form) works from a cached page: the token matches this visitor's cookie."""
    from hds_site import pagecache

    assert client.get(article.url)["X-Page-Cache"] == "miss"
    visitors = [Client(enforce_csrf_checks=True) for _ in range(2)]
    for visitor in visitors:
        r = visitor.get(article.url)
        assert r["X-Page-Cache"] == "hit"
        assert pagecache.CSRF_HOLE not in r.content
        assert "csrftoken" in r.cookies  # set by CsrfViewMiddleware for the token filled in
    tokens = [_token(v.get(article.url)) for v in visitors]
    switched = visitors[0].post(reverse("set_language"), {"language": "en", "next": "/",
                                                          "csrfmiddlewaretoken": tokens[0]})
    assert switched.status_code == 302
    # one visitor's token is no good with another's cookie: the tokens really are per visitor
    assert visitors[1].post(reverse("set_language"), {"language": "en", "next": "/",
                                                      "csrfmiddlewaretoken": tokens[0]}).status_code == 403


def test_a_token_outside_the_csrf_input_keeps_the_page_out_of_the_cache():
    from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret

    from hds_site import pagecache

    secret = _get_new_csrf_string()
    form = f'<input type="hidden" name="csrfmiddlewaretoken" value="{_mask_cipher_secret(secret)}">'.encode()
    punched = pagecache.punch_csrf_tokens(b"<form>" + form + b"</form>", secret)
    assert punched == b'<form><input type="hidden" name="csrfmiddlewaretoken" value="' + pagecache.CSRF_HOLE + b'"></form>'
    stray = f'<div data-csrf="{_mask_cipher_secret(secret)}"></div>'.encode()
    assert pagecache.punch_csrf_tokens(form + stray, secret) is None
    other = f'<div data-x="{_mask_cipher_secret(_get_new_csrf_string())}"></div>'.encode()  # not this secret
    assert pagecache.punch_csrf_tokens(form + other, secret) is not None


def test_query_strings_and_sessions_bypass_the_cache(page_cache, client, article):
    client.get(article.url)
    assert "X-Page-Cache" not in client.get(article.url + "?x=1")
    client.cookies["sessionid"] = "anything"
    assert "X-Page-Cache" not in client.get(article.url)


def test_switched_off(settings, client, article):
    settings.HDS_PAGE_CACHE_SECONDS = 0
    client.get(article.url)
    assert "X-Page-Cache" not in client.get(article.url)


def test_without_redis_in_process_memory(page_cache, client, article):
    page_cache.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "pc"}}
    client.get(article.url)
    assert client.get(article.url)["X-Page-Cache"] == "hit"


def test_with_redis(page_cache, redis_url, client, article, django_capture_on_commit_callbacks):
    prefix = "hds-test-pagecache"
    page_cache.CACHES = {"default": {"BACKEND": "hds_site.cache.TolerantRedisCache", "LOCATION": redis_url,
                                     "KEY_PREFIX": prefix}}
    from django.core.cache import cache

    cache.delete("pagecache:generation")
    try:
        assert client.get(article.url)["X-Page-Cache"] == "miss"
        assert client.get(article.url)["X-Page-Cache"] == "hit"
        with django_capture_on_commit_callbacks(execute=True):
            article.save_revision().publish()
        assert client.get(article.url)["X-Page-Cache"] == "miss"
        assert client.get(article.url)["X-Page-Cache"] == "hit"
    finally:
        redis = cache._cache.get_client(write=True)
        keys = list(redis.scan_iter(match=f"{prefix}:*"))
        if keys:
            redis.delete(*keys)


def test_redis_down_pages_still_answer(page_cache, client, article):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: nothing listens there
    page_cache.CACHES = {"default": {"BACKEND": "hds_site.cache.TolerantRedisCache",
                                     "LOCATION": f"redis://127.0.0.1:{port}/0",
                                     "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}}}
    for _ in range(2):
        r = client.get(article.url)
        assert r.status_code == 200
        assert "X-Page-Cache" not in r
