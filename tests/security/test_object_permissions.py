"""Every URL (and socket) that takes an id or a slug applies the read permission of the object it names.

Issue 12, point 3: ``/kampagnen/vorschlagen/?thread=<id>`` showed the title of any
thread, members-only ones included. This module walks the project's URL
resolver (``django.urls.get_resolver()``, recursively, Wagtail's serve view and
admin included) and the WebSocket routes, and requires every pattern that takes
an id, a slug or any other argument to be

* an entry of ``URL_TABLE`` (how to fill its arguments from the protected objects
  below), or
* under a prefix of ``URL_RULES`` (the whole Wagtail admin: every pattern is
  requested with the protected ids filled in), or
* an entry of ``EXEMPT`` with the reason written down.

A new pattern that takes an id and is in none of them fails
``test_every_pattern_that_takes_an_argument_is_classified``.

The protected objects: a thread in a members-only (interest group) category, a
post hidden by a moderator (in a public thread), an unpublished campaign (a
proposal in review) and an unpublished article, and a closed campaign (public,
but no longer signable). The requesters: anonymous, a member outside the
group, and a suspended member (outside the group). For each table entry, each
object and each requester, a GET and a POST (a payload that would write if it
were allowed; the test client does not check CSRF) are sent, and:

* nothing of the protected objects (titles, texts; slugs unless the requester
  typed them) is in the answer, its redirect chain or its ``Location``;
* nothing is written (row counts of the forum, campaign, Wagtail page and
  platform tables, and the fields actions change, are the same afterwards);
* the answer is no 500.

Query-string and form-field ids (not part of any URL pattern) are listed in
``QUERY_ID_CASES``; the WebSocket routes in ``WS_TABLE``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from asgiref.sync import async_to_sync
from django.apps import apps
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from campaigns import services as campaign_services
from campaigns.consent import CURRENT_VERSION
from campaigns.models import CampaignPage, Signature
from community import services as forum_services
from community.models import Category, InterestGroup, Membership, Post, Report, Suspension, Thread
from community.permissions import MODERATION_GROUP
from tests.factories import ForumMemberFactory, campaign_index, content_article, forum_thread, make_campaign
from tests.security.test_access import _next, _subscribe, client_for

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "non_member", "suspended")

SECRET_THREAD_TITLE = "Geheimes Gruppenthema Zebrafink"
SECRET_THREAD_BODY = "Gruppeninterner Erstbeitrag Quokkaherde"
SECRET_REPLY = "Gruppeninterne Antwort Pangolin"
HIDDEN_BODY = "Versteckter Beitrag Narwalzahn"
DRAFT_TITLE = "Unveroeffentlichter Entwurf Okapi"
DRAFT_WHY = "Entwurfsbegruendung Axolotl"
DRAFT_ARTICLE_TITLE = "Unveroeffentlichter Ratgeber Kiwivogel"
DRAFT_ARTICLE_BODY = "Ratgeberentwurf Schnabeltier"
CLOSED_TITLE = "Beendete Kampagne Tapir"
SECRETS = [SECRET_THREAD_TITLE, SECRET_THREAD_BODY, SECRET_REPLY, HIDDEN_BODY, DRAFT_TITLE, DRAFT_WHY,
           DRAFT_ARTICLE_TITLE, DRAFT_ARTICLE_BODY]

# a POST body that would write if the requester were allowed to (every form field of every id-taking view)
WRITE_ATTEMPT = {
    "body": "Schreibversuch ohne Recht", "title": "Schreibversuch ohne Recht", "kind": "discussion",
    "op": "hide", "reason": "Schreibversuch", "level": "watching", "decision": "approve", "clear": "",
    "action": "close", "update-title": "Versuch", "update-body": "Versuch", "response-response": "Versuch",
    "name": "Schreib Versuch", "email": "versuch@example.com", "country": "DE", "postcode": "10115",
    "consent": "on", "consent_version": CURRENT_VERSION, "updates_opt_in": "on", "apply": "1",
    "domain": "example.com", "days": "7", "demands": "Versuch", "addressee": "Versuch", "why": "Versuch",
    "goal": "100", "display_name": "Versuch", "bio": "Versuch", "comment": "Versuch",
}


# --- the protected objects ----------------------------------------------------------------------


@pytest.fixture
def world(settings):
    settings.HDS_FORUM_PREMODERATION = {"enabled": False}
    settings.HDS_FORUM_RATE_LIMITS = {"per_minute": 0, "per_day_new_member": 0, "duplicate_window": None}
    from hds_site.content.services import ensure_editorial_setup

    campaign_index()
    ensure_editorial_setup()

    moderator = ForumMemberFactory(display_name="Mo Derator", is_staff=True)
    moderator.groups.add(Group.objects.get_or_create(name=MODERATION_GROUP)[0])
    group = InterestGroup.objects.create(name="Geheimbund der Zebrafinken", slug="zebrafinken")
    category = Category.objects.create(name="Intern", slug="zebra-intern", group=group, members_only=True)
    author = ForumMemberFactory(display_name="Greta Gruppe")
    insider = ForumMemberFactory(display_name="Ingo Insider")
    forum_services.join_group(group=group, user=author)
    forum_services.join_group(group=group, user=insider)
    secret_thread = forum_thread(author=author, category=category, title=SECRET_THREAD_TITLE, body=SECRET_THREAD_BODY)
    secret_reply = forum_services.post_reply(thread=secret_thread, author=insider, body=SECRET_REPLY)

    public_thread = forum_thread(author=author, title="Öffentliches Thema Erdmännchen", body="Öffentlicher Text")
    hidden = forum_services.post_reply(thread=public_thread, author=insider, body=HIDDEN_BODY)
    report = forum_services.report_post(post=hidden, reporter=author, reason="spam", text="Bitte prüfen")
    forum_services.hide_post(post=hidden, moderator=moderator, reason="Verstoß")
    notification = forum_services.notify(recipient=insider, kind="mention", actor=author, thread=secret_thread,
                                         post=secret_reply)

    users = {
        "anonymous": None,
        "non_member": ForumMemberFactory(display_name="Nina Nichtmitglied"),
        "suspended": ForumMemberFactory(display_name="Susi Gesperrt"),
    }
    suspension = forum_services.suspend_member(user=users["suspended"], moderator=moderator, reason="Test", days=7)

    draft = campaign_services.propose_campaign(
        proposer=insider, title=DRAFT_TITLE, demands="Eine Forderung", addressee="Bund", why=DRAFT_WHY, goal=500,
    )
    draft = CampaignPage.objects.get(pk=draft.pk)
    closed = make_campaign(title=CLOSED_TITLE, slug="beendet-tapir", phase="closed", organisers=[insider])
    article = content_article(title=DRAFT_ARTICLE_TITLE, slug="ratgeber-kiwivogel",
                              body=[{"type": "paragraph", "value": f"<p>{DRAFT_ARTICLE_BODY}</p>"}])
    article.unpublish()
    for user in users.values():
        if user is not None:
            user.refresh_from_db()
    return SimpleNamespace(
        group=group, category=category, author=author, insider=insider, moderator=moderator,
        secret_thread=Thread.objects.get(pk=secret_thread.pk), secret_reply=secret_reply,
        secret_first=Post.objects.filter(thread=secret_thread).order_by("number").first(),
        public_thread=public_thread, hidden=Post.objects.get(pk=hidden.pk), report=report,
        notification=notification, users=users, suspension=suspension, draft=draft, closed=closed,
        article=article.specific_class.objects.get(pk=article.pk),
        membership=Membership.objects.get(group=group, user=insider),
    )


def _page_path(page) -> str:
    """The path a visitor would type for a page (also for unpublished ones, which have no public URL)."""
    return "/" + page.url_path.split("/", 2)[2]


# --- the table ------------------------------------------------------------------------------------


@dataclass
class Case:
    """How to fill a pattern's arguments: one kwargs dict per protected object it can name."""

    kwargs: Callable[[SimpleNamespace], list[dict]]
    note: str = ""
    # writes the requester may legitimately make (the named object is public): reads are still checked
    writes_allowed: bool = False
    path: Callable[[SimpleNamespace], list[str]] | None = field(default=None)


def _thread(w):
    return [{"pk": w.secret_thread.pk}]


def _posts(w):
    return [{"pk": w.secret_first.pk}, {"pk": w.secret_reply.pk}, {"pk": w.hidden.pk}]


def _campaign_ids(w):
    return [{"page_id": w.draft.pk}, {"page_id": w.closed.pk}]


def _campaign_slugs(w):
    return [{"slug": w.draft.slug}, {"slug": w.closed.slug}]


URL_TABLE: dict[str, Case] = {
    # forum: members-only category, its thread and posts, the hidden post
    "community:category_detail": Case(lambda w: [{"slug": w.category.slug}]),
    "community:thread_create": Case(lambda w: [{"slug": w.category.slug}]),
    "community:thread_redirect": Case(_thread),
    "community:thread_detail": Case(lambda w: [{"pk": w.secret_thread.pk, "slug": w.secret_thread.slug},
                                               {"pk": w.secret_thread.pk, "slug": "falscher-slug"}]),
    "community:thread_unread": Case(_thread),
    "community:thread_reply": Case(_thread),
    "community:thread_subscription": Case(_thread),
    "community:thread_moderate": Case(_thread),
    "community:post_permalink": Case(_posts),
    "community:post_edit": Case(_posts),
    "community:post_history": Case(_posts),
    "community:post_delete": Case(_posts),
    "community:post_react": Case(_posts),
    "community:post_accept": Case(_posts),
    "community:post_report": Case(_posts),
    "community:post_moderate": Case(_posts),
    "community:group_detail": Case(lambda w: [{"slug": w.group.slug}]),
    "community:group_leave": Case(lambda w: [{"slug": w.group.slug}]),  # before joining: nothing to leave
    "community:group_join": Case(
        lambda w: [{"slug": w.group.slug}], writes_allowed=True,
        note="groups are public; joining (or asking to join) is how one gets in",
    ),
    "community:group_decide": Case(lambda w: [{"slug": w.group.slug, "membership_id": w.membership.pk}]),
    "community:notification_open": Case(lambda w: [{"pk": w.notification.pk}]),
    "community:report_dismiss": Case(lambda w: [{"pk": w.report.pk}]),
    "community:member_suspend": Case(lambda w: [{"user_id": w.insider.pk}]),
    "community:suspension_lift": Case(lambda w: [{"pk": w.suspension.pk}]),
    # members' profiles list their posts: never the members-only or hidden ones
    "accounts:member_profile": Case(lambda w: [{"display_name": "Greta Gruppe"}, {"display_name": "Ingo Insider"}]),
    # campaigns: the draft (in review) and the closed campaign
    "campaigns:sign": Case(_campaign_ids),
    "campaigns:sign_thanks": Case(_campaign_ids),
    "campaigns:dashboard": Case(_campaign_slugs),
    "campaigns:export_csv": Case(_campaign_slugs),
    "campaigns:export_pdf": Case(_campaign_slugs),
    "campaigns:moderation": Case(_campaign_slugs),
    "campaigns_api_detail": Case(_campaign_slugs),
    # Wagtail's serve view: the unpublished pages by their would-be paths; the closed campaign (a POST signs)
    "wagtail_serve": Case(lambda w: [], path=lambda w: [
        _page_path(w.draft), _page_path(w.article), _page_path(w.closed), _page_path(w.closed) + "embed/",
    ]),
}

# every pattern under these prefixes is requested with the protected ids in each argument
URL_RULES = {
    "cms/": "the Wagtail admin: only staff with wagtailadmin.access_admin get past its login; "
            "page-level rights are Wagtail's (drafts by id: test_access.test_drafts_proposals_and_hidden_posts_do_not_leak_by_id)",
}

EXEMPT = {
    "campaigns:confirm": "signed token (django.core.signing), no id: forgeries in test_access.test_signature_links_cannot_be_turned_into_a_neighbours",
    "campaigns:withdraw": "signed token: test_access.test_signature_links_cannot_be_turned_into_a_neighbours",
    "campaigns:unsubscribe": "signed token: test_access.test_signature_links_cannot_be_turned_into_a_neighbours",
    "campaigns:my_data": "signed token: test_access.test_the_data_request_link_shows_only_its_own_email",
    "community:unsubscribe": "signed token: test_access.test_forum_unsubscribe_tokens_cannot_reach_another_member",
    "account_confirm_email": "allauth's signed/HMAC e-mail confirmation key",
    "account_reset_password_from_key": "allauth's password-reset token (uidb36 + HMAC key)",
    "wagtaildocs_serve": "Wagtail documents: collection view restrictions are Wagtail's; the platform has no private documents",
    "wagtaildocs_authenticate_with_password": "Wagtail: a password form for a document collection restriction; shows no document",
    "wagtailcore_authenticate_with_password": "Wagtail: a password form for a page view restriction; shows no page content",
    "wagtailadmin_password_reset_confirm": "Wagtail admin's password-reset token (uidb64 + HMAC token); shows only the form",
    "media": "DEBUG only: uploaded files (images of published pages), never in production",
}

# ids that come in the query string or a form field (no URL pattern names them)
QUERY_ID_CASES = {
    "campaigns:propose?thread": "the proposal form names the thread and links the campaign to it",
    "community:thread_reply?reply_to/quote": "the reply form names (and quotes) the post answered",
}


# --- walking the resolver --------------------------------------------------------------------------


@dataclass
class Route:
    key: str  # "namespace:name", or the route itself when unnamed
    route: str
    groups: int


def walk(resolver=None, prefix: str = "", namespace: str = "", groups: int = 0):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        pattern = entry.pattern
        text = prefix + str(pattern)
        own_groups = pattern.regex.groups if hasattr(pattern, "regex") else 0
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from walk(entry, text, ns, groups + own_groups)
        elif isinstance(entry, URLPattern):
            if entry.name:
                key = f"{namespace}:{entry.name}" if namespace else entry.name
            else:
                key = text
            yield Route(key=key, route=text, groups=groups + own_groups)


def routes_with_arguments() -> list[Route]:
    return [r for r in walk() if r.groups or "<" in r.route]


def _rule_for(route: Route) -> str | None:
    bare = route.route.lstrip("^")
    return next((prefix for prefix in URL_RULES if bare.startswith(prefix)), None)


def _exempt_key(route: Route) -> str | None:
    if route.key in EXEMPT:
        return route.key
    if "media/" in route.route and "media" in EXEMPT:
        return "media"
    return None


def unclassified(routes) -> list[str]:
    return [
        f"{route.key}  ({route.route})"
        for route in routes
        if (route.groups or "<" in route.route)
        and not (route.key in URL_TABLE or _exempt_key(route) or _rule_for(route))
    ]


def test_every_pattern_that_takes_an_argument_is_classified():
    missing = unclassified(walk())
    assert not missing, (
        "URL patterns that take an id/slug without an entry in URL_TABLE (or a documented EXEMPT reason):\n  "
        + "\n  ".join(missing)
    )


def test_a_new_pattern_with_an_id_and_no_entry_is_reported():
    """The check above would catch a view added tomorrow: here one is added to a copy of the project's URLs."""
    from django.http import HttpResponse
    from django.urls import path
    from django.urls.resolvers import RegexPattern

    def view(request, pk):  # pragma: no cover - never requested
        return HttpResponse()

    extra = [path("forum/neu/<int:pk>/", view, name="ohne_pruefung"), path("forum/ohne-id/", view, name="ohne_id")]
    resolver = URLResolver(RegexPattern(r"^/"), [*get_resolver().url_patterns, *extra])
    assert [line.split()[0] for line in unclassified(walk(resolver))] == ["ohne_pruefung"]


def test_the_table_names_only_patterns_that_exist():
    keys = {route.key for route in walk()}
    stale = [key for key in [*URL_TABLE, *EXEMPT] if key not in keys and key != "media"]
    assert not stale, f"entries for patterns that no longer exist: {stale}"
    assert all(reason.strip() for reason in EXEMPT.values())


def test_the_walk_sees_wagtail_and_every_app():
    keys = {route.key for route in routes_with_arguments()}
    for expected in ("wagtail_serve", "community:thread_detail", "campaigns:sign", "campaigns_api_detail",
                     "accounts:member_profile", "wagtailadmin_pages:edit"):
        assert expected in keys
    assert sum(1 for r in routes_with_arguments() if _rule_for(r)) > 50, "the Wagtail admin is walked"


# --- requesting ----------------------------------------------------------------------------------


def fingerprint() -> str:
    parts = []
    models = [
        *apps.get_app_config("community").get_models(), *apps.get_app_config("campaigns").get_models(),
        *apps.get_app_config("hds_site").get_models(), *apps.get_app_config("accounts").get_models(),
    ]
    models += [apps.get_model("wagtailcore", n) for n in ("Page", "Revision", "WorkflowState", "TaskState", "PageLogEntry")]
    for model in models:
        parts.append(f"{model._meta.label}={model._base_manager.count()}")
    parts.append(repr(list(Post.objects.order_by("pk").values_list("pk", "body", "is_hidden", "status", "edited_at", "is_deleted"))))
    parts.append(repr(list(Thread.objects.order_by("pk").values_list("pk", "is_locked", "is_pinned", "category_id", "accepted_post_id"))))
    parts.append(repr(list(CampaignPage.objects.order_by("pk").values_list("pk", "live", "phase", "has_unpublished_changes"))))
    parts.append(repr(list(Membership.objects.order_by("pk").values_list("pk", "status", "role"))))
    parts.append(repr(list(Report.objects.order_by("pk").values_list("pk", "status"))))
    parts.append(repr(list(Suspension.objects.order_by("pk").values_list("pk", "lifted_at"))))
    parts.append(repr(list(Signature.objects.order_by("pk").values_list("pk", "status"))))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _leaks(w, url: str, response) -> list[str]:
    texts = [response.content.decode("utf-8", "replace")]
    texts += [response.get("Location", "")] + [location for location, _status in getattr(response, "redirect_chain", [])]
    blob = "\n".join(texts)
    found = [secret for secret in SECRETS if secret in blob]
    # slugs carry the titles: shown only if the requester typed them
    for slug in (w.secret_thread.slug, w.draft.slug, w.article.slug):
        if slug not in url and slug in blob:
            found.append(f"slug {slug}")
    return found


def _request_all(w, client, role: str, url: str, *, writes_allowed: bool) -> list[str]:
    problems = []
    for method in ("get", "post"):
        before = fingerprint()
        if method == "get":
            response = client.get(url, follow=True)
        else:
            response = client.post(url, WRITE_ATTEMPT)
        if response.status_code >= 500:
            problems.append(f"{role} {method.upper()} {url}: {response.status_code}")
        leaks = _leaks(w, url, response)
        if leaks:
            problems.append(f"{role} {method.upper()} {url} ({response.status_code}) shows {leaks}")
        if not writes_allowed and fingerprint() != before:
            problems.append(f"{role} {method.upper()} {url} ({response.status_code}) wrote to the database")
    return problems


def _table_urls(w) -> list[tuple[str, str, Case]]:
    urls = []
    for key, case in URL_TABLE.items():
        if case.path is not None:
            urls += [(key, path, case) for path in case.path(w)]
        for kwargs in case.kwargs(w):
            urls.append((key, reverse(key, kwargs=kwargs), case))
    return urls


@pytest.mark.parametrize("role", ROLES)
def test_no_protected_object_is_shown_or_changed_through_its_id(world, role):
    client = client_for(world.users[role])
    problems = []
    urls = _table_urls(world)
    assert len(urls) >= len(URL_TABLE)
    for _key, url, case in urls:
        for each_url in (url, "/en" + url) if not url.startswith("/api/") else (url,):
            # a write that is allowed (joining an open group) legitimately opens the group to the requester:
            # undo it, so the next URL is still requested as an outsider
            with transaction.atomic():
                problems += _request_all(world, client, role, each_url, writes_allowed=case.writes_allowed)
                transaction.set_rollback(True)
    assert not problems, "\n".join(problems)


_ARG = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>|\(\?P<(?P<rname>\w+)>[^)]*\)|\([^)]*\)")


def _fill(route: str, w) -> list[str]:
    """The route with each argument replaced by a protected id (or a name for the non-numeric ones)."""
    urls = []
    for value in (w.draft.pk, w.article.pk):
        def sub(match, value=value):
            conv = match.group("conv")
            if conv in (None, "int") and match.group("name"):
                return str(value)
            if match.group("rname") or match.group(0).startswith("("):
                return str(value)
            return {"slug": "campaigns", "str": "campaignpage", "path": "x", "uuid": "00000000-0000-0000-0000-000000000000"}.get(conv, str(value))

        path = _ARG.sub(sub, route).replace("^", "").replace("$", "").replace("\\", "")
        urls.append("/" + path.lstrip("/"))
    return urls


@pytest.mark.parametrize("role", ROLES)
def test_the_wagtail_admin_sends_everybody_else_to_its_login_whatever_the_id(world, role):
    client = client_for(world.users[role])
    login = reverse("wagtailadmin_login")
    problems = []
    before = fingerprint()
    for route in routes_with_arguments():
        if not _rule_for(route) or _exempt_key(route):
            continue
        for url in _fill(route.route, world):
            for method in ("get", "post"):
                response = client.get(url) if method == "get" else client.post(url, WRITE_ATTEMPT)
                status = response.status_code
                ok = status in (403, 404, 405) or (status == 302 and response["Location"].startswith(login))
                if not ok:
                    problems.append(f"{role} {method.upper()} {url}: {status} {response.get('Location', '')}")
                leaks = _leaks(world, url, response)
                if leaks:
                    problems.append(f"{role} {method.upper()} {url} shows {leaks}")
    if fingerprint() != before:
        problems.append(f"{role}: a request to the Wagtail admin wrote to the database")
    assert not problems, "\n".join(problems)


# --- ids in the query string and in form fields ------------------------------------------------------


@pytest.mark.parametrize("role", ("non_member", "suspended"))
def test_the_proposal_form_does_not_name_a_thread_the_member_may_not_read(world, role):
    client = client_for(world.users[role])
    url = reverse("campaigns:propose")
    pages_before = CampaignPage.objects.count()
    for thread_id in (world.secret_thread.pk, str(world.secret_thread.pk) + " ", world.secret_thread.pk + 1000):
        response = client.get(url, {"thread": thread_id})
        assert response.status_code == 404, (thread_id, response.status_code)
        assert not _leaks(world, url, response)
        data = {**WRITE_ATTEMPT, "title": "Versuch mit fremdem Thema", "thread": thread_id}
        for response in (client.post(url, data), client.post(f"{url}?thread={thread_id}", data)):
            assert response.status_code == 404
            assert not _leaks(world, url, response)
    assert CampaignPage.objects.count() == pages_before
    assert not CampaignPage.objects.filter(source_thread=world.secret_thread).exclude(pk=world.draft.pk).exists()
    # malformed ids are the same clear 404, not a 500
    for bad in ("abc", "-1", "1e3", "9" * 30, "%00"):
        assert client.get(url, {"thread": bad}).status_code == 404
    # a thread the member may read still works
    response = client.get(url, {"thread": world.public_thread.pk})
    assert response.status_code == 200 and world.public_thread.title in response.content.decode()


def test_the_service_refuses_to_link_a_thread_the_proposer_may_not_read(world):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        campaign_services.propose_campaign(
            proposer=world.users["non_member"], title="Über die Hintertür", demands="x", addressee="y", why="z",
            goal=100, thread=world.secret_thread,
        )
    assert not CampaignPage.objects.filter(title="Über die Hintertür").exists()


def test_a_campaign_links_its_thread_only_for_those_who_may_read_it(world, client):
    closed = world.closed
    closed.source_thread = world.secret_thread
    closed.save_revision().publish()
    for role in ROLES:
        response = client_for(world.users[role]).get(closed.url)
        assert response.status_code == 200
        assert world.secret_thread.get_absolute_url() not in response.content.decode()
        assert not _leaks(world, closed.url, response)
    insider = client_for(world.insider).get(closed.url).content.decode()
    assert world.secret_thread.get_absolute_url() in insider


@pytest.mark.parametrize("role", ("non_member", "suspended"))
def test_the_reply_form_does_not_name_or_quote_a_hidden_post(world, role):
    client = client_for(world.users[role])
    url = reverse("community:thread_reply", args=[world.public_thread.pk])
    for params in ({"reply_to": world.hidden.pk}, {"quote": world.hidden.pk}, {"reply_to": world.secret_reply.pk}):
        response = client.get(url, params)
        assert response.status_code in (200, 302, 403)
        text = response.content.decode()
        assert HIDDEN_BODY not in text and f"#{world.hidden.number} " not in text
        assert not _leaks(world, url, response)


def test_every_query_id_case_is_tested_here():
    import inspect
    import sys

    source = inspect.getsource(sys.modules[__name__])
    for case in QUERY_ID_CASES:
        name, _sep, params = case.partition("?")
        assert f'"{name}"' in source and all(p in source for p in params.split("/")), case


# --- WebSocket routes -------------------------------------------------------------------------------

WS_TABLE = {
    "ws/community/threads/<int:thread_id>/": lambda w: [f"/ws/community/threads/{w.secret_thread.pk}/"],
    "ws/community/categories/<int:category_id>/": lambda w: [f"/ws/community/categories/{w.category.pk}/"],
    "ws/campaigns/<slug:slug>/": lambda w: [f"/ws/campaigns/{w.draft.slug}/"],
}
WS_EXEMPT = {"ws/notifications/": "no id: the member's own group, from the session"}


def test_every_socket_route_is_classified():
    from hds_site.routing import websocket_urlpatterns

    routes = {str(p.pattern) for p in websocket_urlpatterns}
    assert routes == set(WS_TABLE) | set(WS_EXEMPT), routes ^ (set(WS_TABLE) | set(WS_EXEMPT))


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", ROLES)
def test_sockets_that_take_an_id_refuse_what_the_requester_may_not_read(world, role):
    client = client_for(world.users[role])
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value if world.users[role] is not None else None

    async def scenario():
        outcomes = {}
        for paths in WS_TABLE.values():
            for path in paths(world):
                outcome, comm = await _subscribe_any(path, cookie)
                outcomes[path] = outcome
                if comm is not None:
                    await comm.disconnect()
        return outcomes

    outcomes = async_to_sync(scenario)()
    assert all(outcome in ("403", "404") for outcome in outcomes.values()), outcomes


async def _subscribe_any(path: str, cookie: str | None):
    """Like test_access._subscribe, also for sockets that refuse the handshake (the campaign socket closes
    before accepting: 4404) and for those that never send ``ready`` (the campaign socket)."""
    from channels.testing import WebsocketCommunicator

    from hds_site.asgi import application

    if path.startswith("/ws/community/"):
        return await _subscribe(path, cookie)
    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
    if cookie:
        headers.append((b"cookie", f"{django_settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    comm = WebsocketCommunicator(application, path, headers=headers)
    connected, code = await comm.connect(timeout=5)
    if not connected:
        return {4403: "403", 4404: "404", 4401: "login"}.get(code, f"closed {code}"), None
    first = await comm.receive_json_from(timeout=5)
    return f"ok {first.get('type')}", comm


@pytest.mark.django_db(transaction=True)
def test_a_socket_reply_cannot_answer_a_hidden_post(world):
    """Replying over the socket to a hidden post of a public thread is refused like an unknown post."""
    client = client_for(world.users["non_member"])
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value

    async def scenario():
        outcome, comm = await _subscribe(f"/ws/community/threads/{world.public_thread.pk}/", cookie)
        assert outcome == "ok"
        results = []
        for reply_to in (world.hidden.pk, world.secret_reply.pk):
            await comm.send_to(text_data=json.dumps({"type": "reply", "body": "Antwort auf Verstecktes", "reply_to": reply_to}))
            while True:
                event = await _next(comm)
                if event["type"] in ("error", "reply.saved"):
                    results.append(event)
                    break
                assert event["type"] != "__closed__", event
        await comm.disconnect()
        return results

    results = async_to_sync(scenario)()
    assert [event["type"] for event in results] == ["error", "error"], results
    assert all(HIDDEN_BODY not in json.dumps(event) for event in results)
    assert not Post.objects.filter(body="Antwort auf Verstecktes").exists()


def test_the_table_reaches_the_objects_for_those_who_may_see_them(world):
    """Positive control: the URLs the table builds name the right objects (a wrong URL would 404 for
    everybody and prove nothing)."""
    insider = client_for(world.insider)  # group member, proposer of the draft, organiser of the closed campaign
    urls = {key: [] for key in URL_TABLE}
    for key, url, _case in _table_urls(world):
        urls[key].append(url)
    expectations = {
        "community:thread_detail": SECRET_THREAD_TITLE,
        "community:thread_redirect": SECRET_THREAD_BODY,
        "community:post_permalink": SECRET_REPLY,
        "community:category_detail": SECRET_THREAD_TITLE,
        "campaigns:dashboard": DRAFT_TITLE,
        "wagtail_serve": CLOSED_TITLE,
    }
    for key, text in expectations.items():
        bodies = [insider.get(url, follow=True).content.decode() for url in urls[key]]
        assert any(text in body for body in bodies), key
    moderator = client_for(world.moderator)
    assert HIDDEN_BODY in moderator.get(reverse("community:post_history", args=[world.hidden.pk])).content.decode() or \
        HIDDEN_BODY in moderator.get(reverse("community:post_permalink", args=[world.hidden.pk]), follow=True).content.decode()
