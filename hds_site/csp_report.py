"""Where browsers report Content-Security-Policy violations: ``POST /csp-report/``.

The policy (hds_site/security.py) names this endpoint twice: ``report-uri``
(older browsers, ``Content-Type: application/csp-report``, one
``{"csp-report": {...}}`` object) and ``report-to`` with a
``Reporting-Endpoints`` header (the Reporting API, ``application/reports+json``,
a list of ``{"type": "csp-violation", "body": {...}}``).

Anyone can POST here, so the endpoint is

- CSRF-exempt (browsers send reports without a token or cookies),
- size-limited (``HDS_CSP_REPORT_MAX_BYTES``, default 16 KiB → 413),
- rate-limited per client address (``HDS_CSP_REPORT_RATE``: reports per
  minute, default 60 → 429), counted in the cache,
- quiet: each *distinct* violation (directive, blocked origin, page route,
  script origin and line) is logged once per ``HDS_CSP_REPORT_DEDUP_SECONDS``
  (default a day) as a one-line summary that holds no personal data. URLs are
  cut to their origin (``https://cdn.example``) or, for our own pages, to the
  URL pattern (``kampagnen/bestaetigen/<str:token>/``) — a path can carry a
  confirmation token or a member's name, a query string anything. The
  ``script-sample`` (the start of the offending inline code) is never logged.

It answers ``204 No Content`` to every report it accepted, also to ones it
could not make sense of (browsers do not read the answer).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt

from hds_site.log_filters import redact

logger = logging.getLogger("hds_site.csp")

PATH = "/csp-report/"
CONTENT_TYPES = ("application/csp-report", "application/reports+json", "application/json")
KEYWORDS = {"inline", "eval", "wasm-eval", "data", "blob", "self", "trusted-types-policy", "trusted-types-sink"}


def _setting(name: str, default):
    return getattr(settings, name, default)


def _client_ip(request: HttpRequest) -> str:
    try:
        from allauth.core.internal.httpkit import get_client_ip  # honours ALLAUTH_TRUSTED_PROXY_COUNT

        return get_client_ip(request) or request.META.get("REMOTE_ADDR", "")
    except Exception:  # a spoofed or broken X-Forwarded-For: fall back to the socket's peer
        return request.META.get("REMOTE_ADDR", "")


def _over_rate(request: HttpRequest) -> bool:
    limit = int(_setting("HDS_CSP_REPORT_RATE", 60))
    if limit <= 0:
        return False
    window = int(time.time() // 60)
    who = hashlib.sha256(_client_ip(request).encode()).hexdigest()[:16]  # no address in cache keys
    key = f"csp-report:rate:{who}:{window}"
    try:
        cache.add(key, 0, timeout=120)
        count = cache.incr(key)
    except Exception:  # the cache is down: accept rather than drop everything
        return False
    return count > limit


def origin_of(value) -> str:
    """``https://cdn.example`` of a URL; CSP keywords (``inline``, ``eval``…) as they are."""
    if not isinstance(value, str) or not value:
        return ""
    value = value.strip()
    if value.lower() in KEYWORDS:
        return value.lower()
    parts = urlsplit(value)
    if parts.scheme in ("data", "blob", "about", "chrome-extension", "moz-extension", "safari-extension"):
        return parts.scheme
    if parts.scheme and parts.hostname:
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.scheme}://{parts.hostname}{port}"
    return "[other]"


def page_of(value) -> str:
    """The URL pattern of one of our pages (never its concrete path or query)."""
    if not isinstance(value, str) or not value:
        return ""
    parts = urlsplit(value.strip())
    try:
        match = resolve(parts.path or "/")
    except (Resolver404, Exception):
        return "[unknown page]"
    route = match.route or match.view_name or "[page]"
    if match.url_name == "wagtail_serve" or route.startswith("^((?:"):
        return "[cms page]"  # Wagtail's catch-all: editorial pages, no member data in their slugs
    return route


def _summary(body: dict) -> dict:
    directive = body.get("effectiveDirective") or body.get("effective-directive") or body.get("violated-directive") or ""
    return {
        "directive": str(directive).split(" ")[0][:40],
        "blocked": origin_of(body.get("blockedURL") or body.get("blocked-uri")),
        "page": page_of(body.get("documentURL") or body.get("document-uri")),
        "source": origin_of(body.get("sourceFile") or body.get("source-file")),
        "line": body.get("lineNumber") or body.get("line-number") or "",
        "disposition": str(body.get("disposition") or "enforce")[:10],
    }


def _bodies(content_type: str, payload) -> list[dict]:
    if content_type == "application/reports+json" or isinstance(payload, list):
        items = payload if isinstance(payload, list) else [payload]
        return [
            item["body"]
            for item in items[:50]
            if isinstance(item, dict) and item.get("type") == "csp-violation" and isinstance(item.get("body"), dict)
        ]
    if isinstance(payload, dict) and isinstance(payload.get("csp-report"), dict):
        return [payload["csp-report"]]
    return []


def _log_once(summary: dict) -> bool:
    fields = (summary["directive"], summary["blocked"], summary["page"], summary["source"], str(summary["line"]))
    key = "csp-report:seen:" + hashlib.sha256("\x1f".join(fields).encode()).hexdigest()[:32]
    try:
        first = cache.add(key, 1, timeout=int(_setting("HDS_CSP_REPORT_DEDUP_SECONDS", 86400)))
    except Exception:
        first = True
    if first:
        line_part = f" line={summary['line']}" if summary["line"] != "" else ""
        line = (
            f"CSP violation ({summary['disposition']}): {summary['directive'] or '?'} blocked "
            f"{summary['blocked'] or '?'} on {summary['page'] or '?'}"
            f"{' from ' + summary['source'] if summary['source'] else ''}{line_part}"
        )
        logger.warning(redact(line))
    return first


@csrf_exempt
def receive(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        response = HttpResponse(status=405)
        response["Allow"] = "POST"
        return response
    content_type = request.content_type.lower() if request.content_type else ""
    if content_type not in CONTENT_TYPES:
        return HttpResponse(status=415)
    max_bytes = int(_setting("HDS_CSP_REPORT_MAX_BYTES", 16 * 1024))
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > max_bytes:
        return HttpResponse(status=413)
    if _over_rate(request):
        return HttpResponse(status=429)
    raw = request.read(max_bytes + 1)
    if len(raw) > max_bytes:
        return HttpResponse(status=413)
    try:
        payload = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return HttpResponse(status=400)
    for body in _bodies(content_type, payload):
        _log_once(_summary(body))
    return HttpResponse(status=204)
