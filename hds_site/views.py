"""Project-wide views: health, robots.txt, error pages."""

import asyncio
import sys
import uuid

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_safe

from hds_site import db_outage


@never_cache
@require_GET
def healthz(request):
    """The process answers."""
    return JsonResponse({"status": "ok"})


def _check_database() -> str | None:
    if db_outage.outage_known() and not db_outage.database_back():
        return "OperationalError"  # known outage: no waiting for the connection pool's timeout
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return exc.__class__.__name__
    return None


async def _layer_roundtrip(layer) -> None:
    channel = await layer.new_channel()
    payload = {"type": "readyz.ping", "token": uuid.uuid4().hex}
    await layer.send(channel, payload)
    received = await layer.receive(channel)
    if received.get("token") != payload["token"]:
        raise RuntimeError("channel layer returned a different message")


def _check_channel_layer() -> str | None:
    layer = get_channel_layer()
    if layer is None:
        return "not configured"

    async def check():
        await asyncio.wait_for(_layer_roundtrip(layer), timeout=3)

    try:
        async_to_sync(check)()
    except Exception as exc:
        return exc.__class__.__name__ or "error"
    return None


@never_cache
@require_GET
def readyz(request):
    """Database and channel layer reachable; 503 naming the failing part otherwise."""
    checks = {"database": _check_database(), "channel_layer": _check_channel_layer()}
    failing = [name for name, error in checks.items() if error]
    body = {
        "status": "ok" if not failing else "unavailable",
        "checks": {name: ("ok" if not error else f"failing: {error}") for name, error in checks.items()},
    }
    if failing:
        body["failing"] = failing
    response = JsonResponse(body, status=200 if not failing else 503)
    if failing:
        response["Retry-After"] = str(db_outage.retry_after())
        response._has_been_logged = True  # a probe polls: the failing part is named in the body, not logged each time
    return response


@require_GET
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /cms/",
        "Disallow: /konto/",
        "Disallow: /en/konto/",
        "Disallow: /suche/",
        "Disallow: /en/suche/",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@require_safe
def favicon(request):
    """``/favicon.ico``, asked for by browsers and feed readers that ignore ``<link rel="icon">``.

    Redirects to the SVG icon under its (hashed in production) static URL; the
    redirect is cached for a day only, so a new icon's hash is picked up.
    """
    from django.templatetags.static import static
    from django.utils.cache import patch_cache_control

    response = HttpResponseRedirect(static("img/favicon.svg"))
    patch_cache_control(response, public=True, max_age=86400)
    return response


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    # a database outage raised outside a view (e.g. saving the session): the friendly 503, not a 500
    exc = sys.exc_info()[1]
    if db_outage.is_unavailable(exc):
        return db_outage.unavailable_response(request, exc)
    return render(request, "500.html", status=500)
