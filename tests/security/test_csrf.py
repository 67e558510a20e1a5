"""CSRF on every form.

Three angles:
1. every URL the project routes (all apps, allauth, Wagtail, the admin) refuses
   a POST without a token — unless its view is on the short, reasoned list of
   `csrf_exempt` views below (a new exempt view fails this test until someone
   has thought about it);
2. the main POST endpoints accept the same POST with a token (the test is
   not passing because everything is forbidden);
3. a crawl of the public site, anonymous and logged in: every
   ``<form method="post">`` carries a csrfmiddlewaretoken.
"""

import itertools
import uuid
from urllib.parse import urljoin, urlsplit

import pytest
from allauth.account.models import EmailAddress
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model
from django.core.management import call_command, get_commands
from django.http import HttpResponseForbidden
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, resolve, reverse
from django.urls.exceptions import Resolver404

MARKER = "X-Test-Csrf-Failure"

# Views that are csrf_exempt at the Django level, each with the reason it is safe.
EXEMPT_NAMESPACES = {
    # Wagtail's admin API is Django REST framework: DRF marks its views
    # csrf_exempt and enforces CSRF itself in SessionAuthentication for every
    # logged-in unsafe request (see test_wagtail_admin_api_enforces_csrf_for_sessions).
    "wagtailadmin_api:": "DRF SessionAuthentication enforces CSRF",
}
EXEMPT_VIEWS = {
    # RFC 8058 one-click unsubscribe: mail clients POST without a session or
    # token; the signed token in the URL is the authorisation (a forged POST
    # needs the victim's token). See test_exempt_unsubscribe_needs_a_valid_signed_token.
    "community:unsubscribe": "signed token in the URL",
    # Browsers POST CSP violation reports without cookies or token; the endpoint
    # changes nothing but a log line, is size- and rate-limited (tests/security/test_csp_report.py).
    "csp_report": "write-only report sink, no session, no state",
}


def csrf_failure_marker(request, reason=""):
    """Stands in for CSRF_FAILURE_VIEW so the tests can tell a CSRF refusal from a view's own 403."""
    response = HttpResponseForbidden("CSRF")
    response[MARKER] = reason or "failed"
    return response


@pytest.fixture(autouse=True)
def _mark_csrf_failures(settings):
    settings.CSRF_FAILURE_VIEW = "tests.security.test_csrf.csrf_failure_marker"


def walk(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from walk(pattern.url_patterns, namespace + (f"{pattern.namespace}:" if pattern.namespace else ""))
        else:
            yield namespace, pattern


CANDIDATES = ["1", "x", str(uuid.UUID(int=1)), "x/"]


def concrete_path(namespace: str, pattern: URLPattern) -> str | None:
    """A path that resolves to this pattern, with dummy values for its parameters."""
    if not pattern.name:
        return None
    name = namespace + pattern.name
    regex = pattern.pattern.regex
    group_names = list(regex.groupindex)
    positional = regex.groups - len(group_names)
    for values in itertools.product(CANDIDATES, repeat=len(group_names) + positional):
        kwargs = dict(zip(group_names, values, strict=False)) if group_names else {}
        args = list(values[len(group_names):]) if positional and not group_names else []
        try:
            path = reverse(name, args=args, kwargs=kwargs)
        except NoReverseMatch:
            continue
        try:
            match = resolve(urlsplit(path).path)
        except Resolver404:
            continue
        if match.func is pattern.callback or match.url_name == pattern.name:
            return path
    return None


def routed_views():
    seen = set()
    for namespace, pattern in walk(get_resolver().url_patterns):
        path = concrete_path(namespace, pattern)
        key = (namespace, pattern.name, path)
        if key in seen:
            continue
        seen.add(key)
        yield namespace, pattern, path


@pytest.mark.django_db
def test_every_routed_view_refuses_a_post_without_token():
    client = Client(enforce_csrf_checks=True)
    checked, unreachable, unreasoned_exempt, accepted = 0, [], [], []
    for namespace, pattern, path in routed_views():
        exempt = getattr(pattern.callback, "csrf_exempt", False)
        if exempt:
            reviewed = f"{namespace}{pattern.name}" in EXEMPT_VIEWS
            if not reviewed and not any(namespace.startswith(prefix) for prefix in EXEMPT_NAMESPACES):
                unreasoned_exempt.append(f"{namespace}{pattern.name} ({pattern.callback.__module__})")
            continue
        if path is None:
            unreachable.append(f"{namespace}{pattern.name or pattern.pattern}")
            continue
        response = client.post(path, {"field": "value"})
        checked += 1
        if response.get(MARKER) is None:
            accepted.append(f"{path} -> {response.status_code}")

    assert not unreasoned_exempt, f"csrf_exempt views nobody has reviewed: {unreasoned_exempt}"
    assert not accepted, f"POST without CSRF token was not refused: {accepted}"
    # the walk really covers the site (allauth, the accounts and app URLs, Wagtail admin)
    assert checked > 150, (checked, unreachable)


def member(email="mitglied@example.org", password="Sicheres-Passwort-2026", **extra):
    user = get_user_model().objects.create_user(username=email.split("@")[0], email=email, password=password, **extra)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def token_from(client, path):
    response = client.get(path)
    assert response.status_code == 200, path
    soup = BeautifulSoup(response.content, "html.parser")
    field = soup.find("input", attrs={"name": "csrfmiddlewaretoken"})
    assert field is not None and field.get("value"), f"{path} has no CSRF token in its form"
    return field["value"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "form_path, post_path, data",
    [
        ("/konto/login/", "/konto/login/", {"login": "mitglied@example.org", "password": "Sicheres-Passwort-2026"}),
        ("/konto/signup/", "/konto/signup/", {"email": "neu@example.org"}),
        ("/konto/password/reset/", "/konto/password/reset/", {"email": "mitglied@example.org"}),
    ],
)
def test_main_forms_work_with_the_token_and_fail_without(form_path, post_path, data):
    member()
    client = Client(enforce_csrf_checks=True)

    refused = client.post(post_path, data)
    assert refused.status_code == 403 and refused.get(MARKER)

    token = token_from(client, form_path)
    accepted = client.post(post_path, {**data, "csrfmiddlewaretoken": token})
    assert accepted.get(MARKER) is None
    assert accepted.status_code in (200, 302)


@pytest.mark.django_db
def test_logout_and_language_switch_need_the_token():
    member()
    client = Client(enforce_csrf_checks=True)
    client.login(username="mitglied", password="Sicheres-Passwort-2026")

    # a cross-site page cannot log a member out or switch their language
    assert client.post("/konto/logout/").get(MARKER)
    assert "_auth_user_id" in client.session
    assert client.post("/i18n/setlang/", {"language": "en"}).get(MARKER)

    token = token_from(client, "/konto/logout/")
    response = client.post("/konto/logout/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_wagtail_admin_api_enforces_csrf_for_sessions():
    """The one exempt family: DRF refuses a logged-in POST without token by itself."""
    editor = member(email="redaktion@example.org", is_staff=True, is_superuser=True)
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    from wagtail.models import Page

    root = Page.get_first_root_node()
    if root is None:
        pytest.skip("no page tree")
    path = reverse("wagtailadmin_api:pages:action", args=[root.pk, "copy"])
    response = client.post(path, {"destination_page_id": root.pk}, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.content.decode()


@pytest.mark.django_db
def test_exempt_unsubscribe_needs_a_valid_signed_token():
    client = Client(enforce_csrf_checks=True)
    path = reverse("community:unsubscribe", args=["forged-token"])
    response = client.post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 400


# --- crawl -------------------------------------------------------------------


def start_paths():
    """Every parameterless public page the project routes, plus the home page."""
    paths = {"/"}
    for namespace, pattern, path in routed_views():
        if path is None or path.startswith(("/cms/", "/documents/", "/i18n/")) or "wagtailadmin" in namespace:
            continue
        if not pattern.pattern.regex.groups:
            paths.add(path)
    return sorted(paths)


def crawl(client, limit=120):
    queue, seen, forms = list(start_paths()), set(), []
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        soup = BeautifulSoup(response.content, "html.parser")
        for form in soup.find_all("form"):
            if (form.get("method") or "get").lower() == "post":
                forms.append((path, form))
        for link in soup.find_all("a", href=True):
            target = urlsplit(urljoin("http://testserver" + path, link["href"]))
            if target.netloc == "testserver" and not target.path.startswith(("/cms/", "/static/", "/media/")):
                if "abmelden" not in target.path and "logout" not in target.path:
                    queue.append(target.path)
    return seen, forms


def assert_forms_carry_tokens(forms):
    assert forms, "the crawl found no POST forms at all"
    missing = []
    for page, form in forms:
        token = form.find("input", attrs={"name": "csrfmiddlewaretoken"})
        if token is None or not token.get("value"):
            missing.append(f"{page}: form action={form.get('action')!r}")
        action = urlsplit(urljoin("http://testserver" + page, form.get("action") or page)).path
        try:
            view = resolve(action).func
        except Resolver404:
            continue
        assert not getattr(view, "csrf_exempt", False), f"{page}: form posts to csrf_exempt {action}"
    assert not missing, f"POST forms without CSRF token: {missing}"


def seed_if_possible():
    if "seed_demo" in get_commands():
        call_command("seed_demo", force=True, verbosity=0)


@pytest.mark.django_db
@pytest.mark.slow
def test_crawl_every_post_form_has_a_token_anonymous():
    seed_if_possible()
    seen, forms = crawl(Client())
    assert "/konto/login/" in seen
    assert_forms_carry_tokens(forms)


@pytest.mark.django_db
@pytest.mark.slow
def test_crawl_every_post_form_has_a_token_logged_in():
    seed_if_possible()
    client = Client()
    client.force_login(member(email="crawler@example.org"))
    seen, forms = crawl(client)
    assert_forms_carry_tokens(forms)
    # at least the logout form in the header is there for a member
    assert any("logout" in (form.get("action") or "") or "abmelden" in (form.get("action") or "") for _, form in forms)
