"""Security headers on real responses: CSP without inline code, framing, Permissions-Policy."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hds_site.security import SecurityHeadersMiddleware

BASE_DIR = Path(__file__).resolve().parents[2]


def parse_csp(header: str) -> dict[str, list[str]]:
    policy = {}
    for part in header.split(";"):
        tokens = part.split()
        if tokens:
            assert tokens[0] not in policy, f"directive {tokens[0]} appears twice"
            policy[tokens[0]] = tokens[1:]
    return policy


def assert_common_headers(response):
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    permissions = response["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "browsing-topics"):
        assert f"{feature}=()" in permissions


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/konto/login/", "/konto/signup/", "/healthz", "/gibt-es-nicht/", "/robots.txt"])
def test_public_responses_carry_a_strict_policy(client, path):
    response = client.get(path)
    assert response.status_code in (200, 404)
    policy = parse_csp(response["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"], "no inline or eval'd scripts on the public site"
    assert policy["style-src"] == ["'self'"], "no inline styles on the public site"
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "'self'" in policy["connect-src"]
    header = response["Content-Security-Policy"]
    assert "unsafe-inline" not in header and "unsafe-eval" not in header
    assert response["X-Frame-Options"] == "DENY"
    assert_common_headers(response)


@pytest.mark.django_db
def test_wagtail_admin_gets_its_own_relaxed_policy(client):
    response = client.get("/cms/login/")
    assert response.status_code == 200
    policy = parse_csp(response["Content-Security-Policy"])
    # Wagtail 8 renders inline scripts and style attributes in the admin only.
    assert policy["script-src"] == ["'self'", "'unsafe-inline'"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert_common_headers(response)


@pytest.mark.urls("tests.security.frame_urls")
def test_framing_is_denied_on_normal_responses(client):
    response = client.get("/normal/")
    assert response["X-Frame-Options"] == "DENY"
    assert parse_csp(response["Content-Security-Policy"])["frame-ancestors"] == ["'none'"]


@pytest.mark.urls("tests.security.frame_urls")
def test_views_marked_exempt_may_be_framed(client, settings):
    response = client.get("/widget/")
    assert "X-Frame-Options" not in response
    assert parse_csp(response["Content-Security-Policy"])["frame-ancestors"] == ["*"]


@pytest.mark.urls("tests.security.frame_urls")
def test_the_list_of_sites_that_may_frame_the_widget_is_configurable(rf, settings):
    from tests.security.frame_urls import widget

    settings.HDS_FRAME_ANCESTORS_EXEMPT = ["https://partner.example", "https://*.verband.example"]
    response = SecurityHeadersMiddleware(widget)(rf.get("/widget/"))
    frame_ancestors = parse_csp(response["Content-Security-Policy"])["frame-ancestors"]
    assert frame_ancestors == ["https://partner.example", "https://*.verband.example"]


@pytest.mark.urls("tests.security.frame_urls")
def test_same_origin_framing_follows_x_frame_options(client):
    response = client.get("/same-origin/")
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert parse_csp(response["Content-Security-Policy"])["frame-ancestors"] == ["'self'"]


def test_a_policy_set_by_the_view_is_kept(rf):
    from django.http import HttpResponse

    def view(request):
        response = HttpResponse("svg")
        response["Content-Security-Policy"] = "default-src 'none'"
        return response

    response = SecurityHeadersMiddleware(view)(rf.get("/images/x/"))
    assert response["Content-Security-Policy"] == "default-src 'none'"


def test_connect_src_is_limited_to_the_own_hosts_without_debug(settings):
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["hds.example.org", ".hds-verband.example"]
    settings.SECURE_SSL_REDIRECT = True
    public = SecurityHeadersMiddleware(lambda r: None).public_policy
    assert public["connect-src"] == [
        "'self'",
        "wss://hds.example.org",
        "wss://hds-verband.example",
        "wss://*.hds-verband.example",
    ]


@pytest.mark.django_db
def test_campaign_widget_is_frameable_and_the_campaign_page_is_not(client):
    """The real widget (`<campaign>/embed/`, xframe_options_exempt) against its own campaign page."""
    from tests.factories import make_campaign

    campaign = make_campaign()
    widget = client.get(campaign.url + "embed/")
    assert widget.status_code == 200
    assert "X-Frame-Options" not in widget
    widget_policy = parse_csp(widget["Content-Security-Policy"])
    assert widget_policy["frame-ancestors"] == ["*"]
    assert widget_policy["script-src"] == ["'self'"]  # frameable, but just as strict otherwise

    page = client.get(campaign.url)
    assert page.status_code == 200
    assert page["X-Frame-Options"] == "DENY"
    assert parse_csp(page["Content-Security-Policy"])["frame-ancestors"] == ["'none'"]


# --- production settings ---------------------------------------------------

PRODUCTION_PROBE = r"""
import json
import django
from django.conf import settings
django.setup()
from django.test import Client, RequestFactory
from django.http import HttpResponse
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.views.i18n import set_language

client = Client()
plain = client.get("/robots.txt", HTTP_HOST="hds.example.org")
secure = client.get("/robots.txt", HTTP_HOST="hds.example.org", secure=True)

# The cookies that exist on this site, set by Django's own code paths.
rf = RequestFactory()
request = rf.get("/", HTTP_HOST="hds.example.org", secure=True)
def view(req):
    get_token(req)
    return HttpResponse("form")
csrf_response = CsrfViewMiddleware(view)(request)
csrf_cookie = csrf_response.cookies[settings.CSRF_COOKIE_NAME]
lang_request = rf.post("/i18n/setlang/", {"language": "en", "next": "/"}, HTTP_HOST="hds.example.org", secure=True)
lang_cookie = set_language(lang_request).cookies[settings.LANGUAGE_COOKIE_NAME]

def flags(cookie):
    return {"secure": bool(cookie["secure"]), "httponly": bool(cookie["httponly"]), "samesite": cookie["samesite"]}

print(json.dumps({
    "plain_status": plain.status_code,
    "plain_location": plain.get("Location"),
    "headers": dict(secure.headers),
    "csrf_cookie": flags(csrf_cookie),
    "language_cookie": flags(lang_cookie),
    "session": {
        "secure": settings.SESSION_COOKIE_SECURE,
        "httponly": settings.SESSION_COOKIE_HTTPONLY,
        "samesite": settings.SESSION_COOKIE_SAMESITE,
    },
}))
"""


@pytest.fixture(scope="module")
def production():
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "ELASTICSEARCH_URL", "DEBUG", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="hds_site.settings.production",
        SECRET_KEY="prod-like-" + "k7Qz#p9L!x2Vw" * 5,
        # never connected to: robots.txt and the cookie probes do not touch the database
        DATABASE_URL="postgres://nobody@127.0.0.1:1/unused",
        ALLOWED_HOSTS="hds.example.org",
        SITE_URL="https://hds.example.org",
    )
    result = subprocess.run(
        [sys.executable, "-c", PRODUCTION_PROBE], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_redirects_plain_http_to_https(production):
    assert production["plain_status"] == 301
    assert production["plain_location"] == "https://hds.example.org/robots.txt"


def test_production_sends_hsts_and_the_hardening_headers(production):
    headers = production["headers"]
    hsts = headers["Strict-Transport-Security"]
    assert "max-age=31536000" in hsts and "includeSubDomains" in hsts
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert "camera=()" in headers["Permissions-Policy"]
    policy = parse_csp(headers["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    # WebSockets only to the own host, only encrypted
    assert policy["connect-src"] == ["'self'", "wss://hds.example.org"]


def test_production_cookies_are_secure_httponly_and_samesite(production):
    assert production["session"] == {"secure": True, "httponly": True, "samesite": "Lax"}
    assert production["language_cookie"] == {"secure": True, "httponly": True, "samesite": "Lax"}
    # The CSRF cookie stays readable for scripts that send the token in a header.
    assert production["csrf_cookie"]["secure"] is True
    assert production["csrf_cookie"]["samesite"] == "Lax"
