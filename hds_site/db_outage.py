"""The database is gone for a moment (a PostgreSQL restart): a friendly 503, and recovery by itself.

* ``DatabaseUnavailableMiddleware`` turns ``OperationalError``/``InterfaceError``
  raised by a view into a 503: an HTML page in the visitor's language (rendered
  from ``503.html`` without any database access) or, for ``/api/…`` and
  ``/readyz``, JSON; both with ``Retry-After``. ``hds_site.views.server_error``
  (handler500) does the same for such errors raised by other middleware (e.g.
  saving the session).
* The outage is logged once when it starts and once when the first request
  succeeds again; Django's per-request "Service Unavailable" error log is
  suppressed for these responses.
* Nothing half-written: every write runs in a transaction (the services' rule);
  a transaction the restart cut off is rolled back by PostgreSQL.
* Recovery needs no restart: the broken connection is closed at the end of the
  request (``close_if_unusable_or_obsolete``; with ``CONN_MAX_AGE=0`` anyway),
  so the next request connects afresh.
* With psycopg's connection pool (``OPTIONS["pool"]``) a request would wait up
  to the pool's ``timeout`` for a connection that cannot be made, and after the
  outage the pool only retries with a growing backoff. So while an outage is
  known, each request first probes the server with a plain connection (at most
  one probe a second): no answer, an immediate 503; an answer, the pool is
  replaced by a fresh one and the request goes ahead.
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings
from django.db import InterfaceError, OperationalError, connections
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.deprecation import MiddlewareMixin
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

UNAVAILABLE = (OperationalError, InterfaceError)
JSON_PREFIXES = ("/api/", "/readyz")
PROBES = ("/healthz", "/readyz")

_outage = threading.Event()
_probe_lock = threading.Lock()
_probe: dict = {"at": 0.0, "ok": True, "pools_replaced": False}
PROBE_INTERVAL = 1.0  # seconds
PROBE_TIMEOUT = 2  # seconds (libpq connect_timeout)


def outage_known() -> bool:
    return _outage.is_set()


def retry_after() -> int:
    """Seconds a client should wait before trying again (``Retry-After``)."""
    return int(getattr(settings, "HDS_DB_RETRY_AFTER", 30))


def is_unavailable(exc: BaseException | None) -> bool:
    return isinstance(exc, UNAVAILABLE)


def wants_json(request) -> bool:
    path = request.path_info or ""
    if path.startswith(JSON_PREFIXES):
        return True
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


def unavailable_response(request, exc: BaseException | None = None) -> HttpResponse:
    """The 503 answer; touches neither the database nor the session."""
    if not _outage.is_set():
        with _probe_lock:
            _probe.update(at=time.monotonic(), ok=False, pools_replaced=False)
        _outage.set()
        logger.warning(
            "database unavailable, answering 503 until it is back (%s)",
            exc.__class__.__name__ if exc is not None else "unknown",
        )
    _discard_broken_connections()
    seconds = retry_after()
    # the visitor's language from the URL prefix, cookie or Accept-Language (LocaleMiddleware may not have run yet)
    with translation.override(translation.get_language_from_request(request, check_path=True)):
        message = _("Die Datenbank ist gerade nicht erreichbar. Bitte versuchen Sie es in einer Minute noch einmal.")
        response: HttpResponse
        if wants_json(request):
            response = JsonResponse(
                {"status": "unavailable", "error": "database_unavailable", "detail": message, "retry_after": seconds},
                status=503,
            )
        else:
            html = render_to_string(
                "503.html", {"message": message, "retry_after": seconds, "language": translation.get_language()}
            )
            response = HttpResponse(html, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(seconds)
    response["Cache-Control"] = "no-store"
    # logged once per outage above, not once per request by django.request
    response._has_been_logged = True  # type: ignore[attr-defined]  # read by django.utils.log.log_response
    return response


def _discard_broken_connections() -> None:
    """Close this thread's connections that no longer work, so the next query reconnects."""
    for connection in connections.all(initialized_only=True):
        if connection.connection is None:
            continue
        try:
            if connection.in_atomic_block:
                continue  # the atomic block's exit rolls back and closes
            if not connection.is_usable():
                connection.close()
        except Exception:  # closing a dead connection may raise as well; it is gone either way
            connection.connection = None


def _server_answers() -> bool:
    """Does the default database accept a new connection? (plain psycopg, not the pool)"""
    connection = connections["default"]
    if connection.vendor != "postgresql":
        return True
    s = connection.settings_dict
    params = {"dbname": s["NAME"], "user": s["USER"], "password": s["PASSWORD"], "host": s["HOST"], "port": s["PORT"]}
    try:
        import psycopg

        probe = psycopg.connect(**{k: v for k, v in params.items() if v}, connect_timeout=PROBE_TIMEOUT, autocommit=True)
    except Exception:
        return False
    probe.close()
    return True


def _fresh_pools() -> None:
    """Replace the connection pools: the old ones hold dead connections and back off their reconnects."""
    for connection in connections.all():
        pools = getattr(type(connection), "_connection_pools", None)  # Django's PostgreSQL backend, 5.1+
        if pools and connection.alias in pools:
            try:
                connection.close_pool()  # type: ignore[attr-defined]  # the pool API (5.1+) is not in django-stubs
            except Exception:  # a closed pool that fails to close is gone all the same
                pools.pop(connection.alias, None)


def database_back() -> bool:
    """During a known outage: is the database back? Probes at most once per PROBE_INTERVAL."""
    now = time.monotonic()
    with _probe_lock:
        if now - _probe["at"] < PROBE_INTERVAL:
            return _probe["ok"]
        _probe["at"] = now
        _probe["ok"] = ok = _server_answers()
        if ok and not _probe["pools_replaced"]:
            _fresh_pools()  # once per outage: requests may already be using the fresh pool
            _probe["pools_replaced"] = True
        return ok


def note_success(response) -> None:
    if _outage.is_set() and response.status_code < 500:
        _outage.clear()
        logger.warning("database reachable again")


class DatabaseUnavailableMiddleware(MiddlewareMixin):
    def process_request(self, request):
        # /healthz is liveness (never the database); /readyz names the failing part itself
        if _outage.is_set() and request.path_info not in PROBES and not database_back():
            return unavailable_response(request)  # no waiting for a connection that cannot be made
        return None

    def process_exception(self, request, exception):
        if is_unavailable(exception):
            return unavailable_response(request, exception)
        return None

    def process_response(self, request, response):
        note_success(response)
        return response
