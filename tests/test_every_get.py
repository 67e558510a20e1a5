"""Every URL a person can open by GET shows a page or a proper error page (issue 12, point 12a).

The test walks the project's URL patterns (the app routes; Wagtail's page tree is covered by
tests/test_metadata.py), fills the ids and slugs it can from real objects, and opens each as
a member. No answer may be a 5xx, and no 4xx may come with an empty body. A new URL is
covered without touching this file; a new parameter name it cannot fill fails it.
"""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import LocalePrefixPattern, RoutePattern

from tests import factories

pytestmark = pytest.mark.django_db

SKIP_PREFIXES = ("cms/", "documents/", "i18n/", "static/", "media/", "csp-report", "__")


def _routes(patterns=None, prefix: str = "", namespace: str = ""):
    """(route, namespaced URL name) of every path() route, through includes and i18n_patterns."""
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            segment = "" if isinstance(entry.pattern, LocalePrefixPattern) else str(entry.pattern)
            if not isinstance(entry.pattern, (RoutePattern, LocalePrefixPattern)):
                continue  # regex includes: Wagtail's admin and page serving
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _routes(entry.url_patterns, prefix + segment, inner)
        elif isinstance(entry, URLPattern) and isinstance(entry.pattern, RoutePattern) and entry.name:
            yield prefix + str(entry.pattern), namespace + entry.name


@pytest.fixture
def world(db, settings):
    settings.HDS_FORUM_PREMODERATION = {"enabled": False}
    from community import services as forum

    member = factories.ForumMemberFactory()
    other = factories.ForumMemberFactory()
    moderator = factories.ForumMemberFactory(is_superuser=True, is_staff=True)
    thread = factories.forum_thread(author=member, title="Tagessatz kalkulieren")
    post = forum.post_reply(thread=thread, author=other, body="Eine Antwort an @member.", enforce_limits=False)
    report = forum.report_post(post=thread.first_post, reporter=other, reason="spam")
    suspension = forum.suspend_member(user=other, moderator=moderator, reason="Test", days=1)
    group = factories.InterestGroupFactory()
    membership = forum.join_group(group=group, user=other)
    notification = forum.notify(recipient=member, kind="reply", actor=other, thread=thread, post=post)
    campaign = factories.make_campaign(title="Faire Beiträge", slug="faire-beitraege")
    values = {
        ("community:thread_detail", "pk"): thread.pk,
        ("community:thread_detail", "slug"): thread.slug,
        ("community:notification_open", "pk"): notification.pk,
        ("community:report_dismiss", "pk"): report.pk,
        ("community:suspension_lift", "pk"): suspension.pk,
        ("community:member_suspend", "user_id"): other.pk,
        ("community:group_decide", "membership_id"): membership.pk,
        ("campaigns:sign", "page_id"): campaign.pk,
        ("campaigns:sign_thanks", "page_id"): campaign.pk,
        ("accounts:member_profile", "display_name"): other.profile.display_name,
    }
    by_name = {
        "slug": None,  # depends on the URL: below
        "pk": None,
        "token": "ungueltig",
        "membership_id": membership.pk,
        "user_id": other.pk,
        "page_id": campaign.pk,
        "page_view_restriction_id": 1,  # Wagtail's password form for restricted pages: none here, its 404
    }

    def fill(route: str, url_name: str) -> str:
        def value(match):
            name = match.group(2)
            if (url_name, name) in values:
                return str(values[(url_name, name)])
            if name == "pk":
                return str(post.pk if url_name.startswith("community:post_") else thread.pk)
            if name == "slug":
                if url_name.startswith("community:group"):
                    return group.slug
                if url_name.startswith("community:category") or url_name == "community:thread_create":
                    return thread.category.slug
                return campaign.slug
            if name in by_name:
                return str(by_name[name])
            raise AssertionError(f"{route}: no value for the parameter {name!r}; add one to tests/test_every_get.py")

        return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", value, route)

    return {"member": member, "fill": fill}


def test_every_get_shows_a_page_or_an_error_page(client, world):
    client.force_login(world["member"])
    checked, failures = 0, []
    for route, full_name in _routes():
        if route.startswith(SKIP_PREFIXES):
            continue
        url = world["fill"](route, full_name)
        for prefix in ("", "/en"):
            response = client.get(prefix + url)
            checked += 1
            status = response.status_code
            body = b"" if getattr(response, "streaming", False) else response.content
            if status >= 500 or (status >= 400 and not body.strip()):
                failures.append(f"GET {prefix + url} ({full_name}) → {status}, {len(body)} bytes")
    assert checked > 60
    assert not failures, "\n".join(failures)


def test_notification_settings_by_get_leads_to_the_notifications(client, world):
    client.force_login(world["member"])
    response = client.get("/forum/benachrichtigungen/einstellungen/")
    assert response.status_code == 302
    assert response["Location"] == reverse("community:notifications")


@pytest.mark.parametrize(("prefix", "text"), [("", "Diese Adresse nimmt nur Formulare an"), ("/en", "This address only accepts forms")])
def test_a_method_a_view_refuses_gets_the_405_page(client, world, prefix, text):
    client.force_login(world["member"])
    response = client.delete(prefix + "/kampagnen/vorschlagen/")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, POST"
    html = response.content.decode()
    assert text in html and "<h1>" in html and 'name="robots" content="noindex"' in html
    # a POST-only form target opened with another method than GET: the page as well
    response = client.put(prefix + "/forum/benachrichtigungen/einstellungen/")
    assert response.status_code == 405 and response["Allow"] == "POST" and text in response.content.decode()


def test_head_of_a_form_target_is_sent_on_too(client, world):
    client.force_login(world["member"])
    response = client.head("/en/forum/benachrichtigungen/einstellungen/")
    assert response.status_code == 302 and response["Location"] == "/en/forum/benachrichtigungen/"


@pytest.mark.parametrize(("prefix", "text"), [("", "Kein Zugriff"), ("/en", "No access")])
def test_403_is_the_site_page(client, world, prefix, text):
    client.force_login(world["member"])
    response = client.get(prefix + "/forum/moderation/")
    assert response.status_code == 403
    assert text in response.content.decode() and "site-header" in response.content.decode()
