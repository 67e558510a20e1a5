"""A full-response cache for anonymous GETs of editorial Wagtail pages.

What is cached: the finished response of a Wagtail page of an app in
``HDS_PAGE_CACHE_APPS`` (default: ``content`` — home, topic hubs, article
index, articles, standard pages; never campaign pages, the forum or search),
for a GET without query string from a visitor without session cookie and
without pending messages, when the response is 200, sets no cookie, and is
not ``Cache-Control: private``, ``no-store`` or ``no-cache``. A logged-in
member always has a session cookie, so members never get a cached page and
their pages are never stored.

CSRF tokens: every page carries the language switcher, a POST form with a
``{% csrf_token %}``. Its value is stored as a hole and each hit fills in the
visitor's own token (``get_token``; CsrfViewMiddleware, which runs outside
this middleware, then sets the matching cookie). A page showing the token
anywhere else (a data attribute, a script) is not stored at all.

Key: a generation token, the host, the active language and the path. Any
change that can show on such a page — a page published, unpublished, moved,
deleted or saved, a snippet, image, document, setting, site or locale of
the editorial apps saved or deleted — replaces the generation token after
the transaction commits, which makes every stored page unreachable at once
(the old entries expire with ``HDS_PAGE_CACHE_SECONDS``). A request that
read the old generation before the commit stores under the old one, so a
page rendered from old data is never served after the change.

The cache is Django's ``default`` cache: Redis (``hds_site.cache.
TolerantRedisCache``, shared by all processes; while Redis is down every
request is a miss) when REDIS_URL is set, process memory otherwise. With
several processes and no Redis, a change reaches the other processes only
when their entries expire (``HDS_PAGE_CACHE_SECONDS``, default 300).

Responses carry ``X-Page-Cache: hit`` (with ``Age``: seconds since stored)
or ``miss`` (stored now); uncacheable ones carry neither. ``Cache-Control``
is left as the page set it: the cache is on the server, downstream caches
are not told to keep anything. ``HDS_PAGE_CACHE_SECONDS = 0`` switches it off.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import _unmask_cipher_token, get_token  # type: ignore[attr-defined]  # private, not in the stubs
from django.utils import translation

logger = logging.getLogger(__name__)

GENERATION_KEY = "pagecache:generation"
_MARK = "_hds_page_cache_page"


def seconds() -> int:
    return int(getattr(settings, "HDS_PAGE_CACHE_SECONDS", 0) or 0)


def cached_apps() -> set[str]:
    return set(getattr(settings, "HDS_PAGE_CACHE_APPS", ["content"]))


# -- generation -------------------------------------------------------------------


def generation() -> str | None:
    """The current generation token (created when missing); None while the cache is unreachable."""
    gen = cache.get(GENERATION_KEY)
    if gen is None:
        cache.add(GENERATION_KEY, uuid.uuid4().hex, timeout=None)
        gen = cache.get(GENERATION_KEY)
    return gen


def _bump() -> None:
    cache.set(GENERATION_KEY, uuid.uuid4().hex, timeout=None)


def invalidate() -> None:
    """Make every stored page unreachable, once the current transaction commits (nothing to do when off)."""
    if seconds() > 0:
        transaction.on_commit(_bump, robust=True)


# -- request and response rules ---------------------------------------------------


def _eligible(request: HttpRequest) -> bool:
    """A request that may be answered from the cache (and whose answer may be stored)."""
    return (
        request.method == "GET"
        and not request.META.get("QUERY_STRING")
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and getattr(settings, "MESSAGE_COOKIE_NAME", "messages") not in request.COOKIES
        and "HTTP_AUTHORIZATION" not in request.META
    )


def _key(request: HttpRequest, gen: str) -> str:
    raw = f"{request.get_host()}\n{translation.get_language() or ''}\n{request.path}"
    return f"pagecache:{gen}:{hashlib.sha256(raw.encode()).hexdigest()}"


def _cacheable(request: HttpRequest, response: HttpResponse) -> bool:
    page = getattr(request, _MARK, None)
    if page is None or getattr(request, "is_preview", False):
        return False
    if page._meta.app_label not in cached_apps():
        return False
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    cache_control = response.get("Cache-Control", "").lower()
    if any(word in cache_control for word in ("private", "no-store", "no-cache")):
        return False
    if "*" in response.get("Vary", ""):
        return False
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return False
    storage = getattr(request, "_messages", None)
    return storage is None or not len(storage)


def mark_page(page, request, serve_args, serve_kwargs):
    """Wagtail ``before_serve_page`` hook: remember which page answers this request."""
    setattr(request, _MARK, page)
    return None


class PageCacheMiddleware:
    """Place after CsrfViewMiddleware, AuthenticationMiddleware and MessageMiddleware (their responses wrap hits)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        ttl = seconds()
        if ttl <= 0 or not _eligible(request):
            return self.get_response(request)
        gen = generation()
        if gen is None:  # cache unreachable
            return self.get_response(request)
        key = _key(request, gen)
        entry = cache.get(key)
        if entry is not None:
            return self._from_entry(request, entry)
        response = self.get_response(request)
        if _cacheable(request, response):
            content = response.content
            if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
                content = punch_csrf_tokens(content, request.META.get("CSRF_COOKIE", ""))
            if content is not None:
                response["X-Page-Cache"] = "miss"
                entry = {
                    "status": response.status_code,
                    "headers": [(k, v) for k, v in response.items() if k.lower() != "x-page-cache"],
                    "content": content,
                    "stored": time.time(),
                }
                cache.set(key, entry, ttl)
        return response

    @staticmethod
    def _from_entry(request: HttpRequest, entry: dict) -> HttpResponse:
        content = entry["content"]
        if CSRF_HOLE in content:
            # this visitor's own token (CsrfViewMiddleware, outside this one, sets the matching cookie)
            content = content.replace(CSRF_HOLE, get_token(request).encode())
        response = HttpResponse(content, status=entry["status"])
        for name, value in entry["headers"]:
            response[name] = value
        response["X-Page-Cache"] = "hit"
        response["Age"] = str(max(0, int(time.time() - entry["stored"])))
        return response


# -- CSRF tokens in cached pages --------------------------------------------------------

CSRF_HOLE = b"\x00hds-csrf-token\x00"
_CSRF_INPUT = re.compile(rb'(<input type="hidden" name="csrfmiddlewaretoken" value=")([A-Za-z0-9]{64})(")')
_TOKEN_LIKE = re.compile(rb"(?<![A-Za-z0-9])[A-Za-z0-9]{64}(?![A-Za-z0-9])")


def punch_csrf_tokens(content: bytes, secret: str) -> bytes | None:
    """``content`` with each ``{% csrf_token %}`` value replaced by a hole, or None when that is not safe.

    Every page carries the language switcher (a POST form with a CSRF token); a stored token would not
    match the next visitor's cookie, so the hole gets each visitor's own token on a hit. A token of this
    request anywhere else in the page (a data attribute, a script) cannot be replaced safely: then the
    page is not stored at all.
    """
    if not secret:
        return None
    punched = _CSRF_INPUT.sub(lambda m: m.group(1) + CSRF_HOLE + m.group(3), content)
    for match in _TOKEN_LIKE.finditer(punched):
        try:
            if _unmask_cipher_token(match.group(0).decode()) == secret:
                return None
        except ValueError:
            continue
    return punched


# -- invalidation -----------------------------------------------------------------


def _on_model_change(sender, instance=None, **kwargs):
    from wagtail.images.models import AbstractRendition
    from wagtail.models import Locale, Page, Site

    if isinstance(instance, AbstractRendition):
        return  # made while rendering a page; says nothing new
    label = sender._meta.app_label
    if (
        label in cached_apps()
        or label in ("wagtailimages", "wagtaildocs")
        or issubclass(sender, (Site, Locale))
        or (kwargs.get("signal") is post_delete and isinstance(instance, Page))
        or _is_setting(sender)
    ):
        # pages of other apps (campaigns) change through publish/unpublish/move signals, not every save
        invalidate()


def _is_setting(model) -> bool:
    try:
        from wagtail.contrib.settings.models import BaseGenericSetting, BaseSiteSetting
    except ImportError:  # pragma: no cover - settings app not installed
        return False
    return issubclass(model, (BaseGenericSetting, BaseSiteSetting))


def _on_page_signal(sender, **kwargs):
    invalidate()


def connect() -> None:
    """Connect the invalidation signals and the serve hook (from HdsSiteConfig.ready)."""
    from wagtail import hooks
    from wagtail.signals import page_published, page_slug_changed, page_unpublished, post_page_move

    post_save.connect(_on_model_change, dispatch_uid="hds_pagecache_save")
    post_delete.connect(_on_model_change, dispatch_uid="hds_pagecache_delete")
    for signal in (page_published, page_unpublished, post_page_move, page_slug_changed):
        signal.connect(_on_page_signal, dispatch_uid=f"hds_pagecache_{id(signal)}")
    hooks.register("before_serve_page", mark_page)
