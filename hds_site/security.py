"""Security headers that Django does not set by itself.

`SecurityHeadersMiddleware` adds to every response:

- ``Content-Security-Policy``: no inline scripts or styles on the public
  site (``script-src 'self'``, ``style-src 'self'``), images from the own
  origin and ``data:``, WebSockets to the own host(s).  The Wagtail admin
  under ``/cms/`` gets its own, relaxed policy (see ``ADMIN_RELAXATIONS``).
- ``frame-ancestors`` follows the framing decision Django already made:
  ``'none'`` by default (X-Frame-Options: DENY), ``'self'`` where a view asked
  for SAMEORIGIN (Wagtail's preview views) and the configurable
  ``HDS_FRAME_ANCESTORS_EXEMPT`` list (default ``*``) where the view is
  decorated with ``django.views.decorators.clickjacking.xframe_options_exempt``
  (the campaign widget ``<campaign>/embed/``).
- ``Permissions-Policy``: powerful browser features switched off.

Previews: Wagtail renders a preview (side panel, "Vorschau" in a new tab,
revision and workflow previews) by running a *second*, dummy request for the
page's public URL through the whole middleware stack inside the admin view
(``PreviewableMixin.make_preview_request``). That inner pass gives the page
its public policy — so a preview shows what the public page's CSP allows —
and ``frame-ancestors 'none'`` (the dummy request has X-Frame-Options DENY).
The admin view around it answers with ``X-Frame-Options: SAMEORIGIN``, and the
outer pass then decides ``frame-ancestors`` from *that* answer: ``'self'``,
the admin's own origin, for preview views; anything else keeps ``'none'``.
A public page served normally has one pass only and stays unframeable.

Everything else (HSTS, Referrer-Policy, X-Content-Type-Options,
Cross-Origin-Opener-Policy, secure cookies) is Django's SecurityMiddleware and
settings; see hds_site/settings/production.py and docs/operations.md.

Settings (all optional):

- ``HDS_CSP``: dict ``{directive: [sources]}`` merged over the defaults of the
  public policy (a value of ``None`` removes a directive).
- ``HDS_CSP_ADMIN``: the same for the admin policy.
- ``HDS_CSP_ADMIN_PREFIXES``: path prefixes that get the admin policy
  (default ``["/cms/"]``).
- ``HDS_CSP_CONNECT_SRC``: list of sources for ``connect-src``; default is
  derived from DEBUG and ALLOWED_HOSTS (see `default_connect_src`).
- ``HDS_FRAME_ANCESTORS_EXEMPT``: sources allowed to frame exempt views.
- ``HDS_CSP_REPORT_URI``: where browsers report violations (``report-uri`` and,
  through the ``Reporting-Endpoints`` header, ``report-to``); default our own
  ``/csp-report/`` (hds_site/csp_report.py), ``""`` switches reporting off.
- ``HDS_PERMISSIONS_POLICY``: dict ``{feature: allow-list string}``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse

# The public site: only our own files; JS and CSS come from static files and
# data reaches scripts through data-* attributes (see base.html).
PUBLIC_POLICY: dict[str, list[str]] = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "media-src": ["'self'"],
    # Embedded videos from rich text / embed blocks (Wagtail embeds).
    "frame-src": ["'self'", "https://www.youtube-nocookie.com", "https://www.youtube.com", "https://player.vimeo.com"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "manifest-src": ["'self'"],
    "worker-src": ["'self'"],
}

# The Wagtail admin (Wagtail 8.0) still renders a few inline <script> blocks
# (InlinePanel, date/time widgets, search promotions) and sets style=""
# attributes in its markup, and its image upload previews use blob: URLs.
# The admin is only reachable by logged-in editors, whose input is sanitised
# by Wagtail itself, so its policy allows inline code there and only there.
ADMIN_RELAXATIONS: dict[str, list[str]] = {
    "script-src": ["'self'", "'unsafe-inline'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:"],
    "media-src": ["'self'", "blob:"],
    "worker-src": ["'self'", "blob:"],
}

DEFAULT_PERMISSIONS_POLICY: dict[str, str] = {
    "accelerometer": "()",
    "autoplay": "()",
    "camera": "()",
    "display-capture": "()",
    "geolocation": "()",
    "gyroscope": "()",
    "magnetometer": "()",
    "microphone": "()",
    "midi": "()",
    "payment": "()",
    "usb": "()",
    "serial": "()",
    "xr-spatial-tracking": "()",
    # FLoC's successor, the Topics API (``interest-cohort`` itself is no
    # longer recognised by Chromium and only produces a console error).
    "browsing-topics": "()",
}


def default_connect_src() -> list[str]:
    """`connect-src` for fetch() and the live WebSocket.

    In development (DEBUG) or with a wildcard host, any ws:/wss: endpoint is
    allowed. Otherwise only the own origin ('self', which covers ws/wss of the
    same host in CSP 3) and explicitly the configured hosts — wss:// only when
    the site forces HTTPS.
    """
    hosts = list(getattr(settings, "ALLOWED_HOSTS", []))
    if settings.DEBUG or not hosts or "*" in hosts:
        return ["'self'", "ws:", "wss:"]
    schemes = ["wss"] if getattr(settings, "SECURE_SSL_REDIRECT", False) else ["ws", "wss"]
    sources = ["'self'"]
    for host in hosts:
        if host.startswith("."):  # Django's subdomain wildcard
            names = [host[1:], "*" + host]
        else:
            names = [host]
        for name in names:
            sources.extend(f"{scheme}://{name}" for scheme in schemes)
    return sources


def _merge(base: dict[str, list[str]], override: Mapping[str, list[str] | None] | None) -> dict[str, list[str]]:
    policy = {key: list(value) for key, value in base.items()}
    for key, value in (override or {}).items():
        if value is None:
            policy.pop(key, None)
        else:
            policy[key] = list(value)
    return policy


def _serialise(policy: dict[str, list[str]]) -> str:
    return "; ".join(f"{key} {' '.join(values)}".strip() for key, values in policy.items())


def build_policies() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """The public and the admin policy, without frame-ancestors (per response)."""
    connect_src = getattr(settings, "HDS_CSP_CONNECT_SRC", None) or default_connect_src()
    public = _merge(PUBLIC_POLICY, {"connect-src": connect_src})
    public = _merge(public, getattr(settings, "HDS_CSP", None))
    admin = _merge(public, ADMIN_RELAXATIONS)
    admin = _merge(admin, getattr(settings, "HDS_CSP_ADMIN", None))
    report_uri = report_uri_setting()
    if report_uri:
        for policy in (public, admin):
            policy["report-uri"] = [report_uri]
            policy["report-to"] = [REPORT_GROUP]
    return public, admin


REPORT_GROUP = "csp-endpoint"


def report_uri_setting() -> str:
    """Where violations go: our own endpoint (hds_site/csp_report.py) unless HDS_CSP_REPORT_URI says
    otherwise; an empty string switches reporting off."""
    from hds_site.csp_report import PATH

    value = getattr(settings, "HDS_CSP_REPORT_URI", None)
    return PATH if value is None else value


def frame_ancestors_for(response: HttpResponse) -> list[str]:
    """Mirror Django's framing decision into CSP (which modern browsers prefer)."""
    if getattr(response, "xframe_options_exempt", False):
        return list(getattr(settings, "HDS_FRAME_ANCESTORS_EXEMPT", None) or ["*"])
    if response.get("X-Frame-Options", "").upper() == "SAMEORIGIN":
        return ["'self'"]
    return ["'none'"]


# set on the response of Wagtail's dummy preview request: the policy the inner pass chose
_PREVIEW_POLICY = "_hds_preview_policy"


class SecurityHeadersMiddleware:
    """Adds Content-Security-Policy and Permissions-Policy to every response.

    Place it directly after django.middleware.security.SecurityMiddleware so
    it sees the X-Frame-Options that XFrameOptionsMiddleware (further down)
    has set. A Content-Security-Policy a view sets itself (Wagtail's image and
    document serve views send ``default-src 'none'``) is left alone.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.public_policy, self.admin_policy = build_policies()
        self.admin_prefixes = tuple(getattr(settings, "HDS_CSP_ADMIN_PREFIXES", None) or ["/cms/"])
        permissions = dict(DEFAULT_PERMISSIONS_POLICY)
        permissions.update(getattr(settings, "HDS_PERMISSIONS_POLICY", None) or {})
        self.permissions_policy = ", ".join(f"{feature}={allow}" for feature, allow in permissions.items())
        self.report_uri = report_uri_setting()

    def policy_for(self, request: HttpRequest) -> dict[str, list[str]]:
        if request.path.startswith(self.admin_prefixes):
            return self.admin_policy
        return self.public_policy

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        inner_policy = getattr(response, _PREVIEW_POLICY, None)
        if inner_policy is not None and not getattr(request, "is_dummy", False):
            # the admin view that rendered a preview (see the module docstring): its framing
            # decision, not the dummy request's, says who may frame the page
            policy = dict(inner_policy)
            policy["frame-ancestors"] = frame_ancestors_for(response)
            response["Content-Security-Policy"] = _serialise(policy)
            delattr(response, _PREVIEW_POLICY)
        elif "Content-Security-Policy" not in response:
            policy = dict(self.policy_for(request))
            policy["frame-ancestors"] = frame_ancestors_for(response)
            response["Content-Security-Policy"] = _serialise(policy)
            if getattr(request, "is_dummy", False):
                setattr(response, _PREVIEW_POLICY, policy)
            if self.report_uri:
                # the Reporting API wants an absolute URL: our own origin as the browser saw it
                try:
                    endpoint = self.report_uri if "://" in self.report_uri else request.build_absolute_uri(self.report_uri)
                except DisallowedHost:  # the 400 for a foreign Host header: no endpoint to name
                    endpoint = None
                if endpoint:
                    response.headers.setdefault("Reporting-Endpoints", f'{REPORT_GROUP}="{endpoint}"')
        response.headers.setdefault("Permissions-Policy", self.permissions_policy)
        return response
