"""Every link in every mail is on SITE_URL, whatever Host header the request came with.

The test settings allow any host (ALLOWED_HOSTS = ["*"]); in production any port
on an allowed host passes too (``Host: localhost:6666``). A link built from the
request would carry a password-reset token to wherever the requester pointed it.
"""

import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from tests.factories import ForumMemberFactory, UserFactory, campaign_index, forum_thread, make_campaign

pytestmark = pytest.mark.django_db

FOREIGN_HOST = "localhost:6666"
SITE_URL = "https://hds.example.org"
PASSWORD = "Kaffee-und-Kuchen-2026"
URL = re.compile(r"""https?://[^\s<>"')\]]+""")


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE_URL
    settings.WAGTAILADMIN_BASE_URL = SITE_URL


def _texts(message) -> list[str]:
    """Everything a mail shows or carries: subject, body, HTML part, headers (List-Unsubscribe)."""
    texts = [message.subject, message.body, *(str(value) for value in message.extra_headers.values())]
    texts += [content for content, _mimetype in getattr(message, "alternatives", [])]
    return texts


def assert_links_on_site_url(messages) -> int:
    links = 0
    for message in messages:
        for text in _texts(message):
            assert FOREIGN_HOST not in text, (message.subject, text)
            assert "localhost" not in text, (message.subject, text)
            for url in URL.findall(text):
                assert url.startswith(SITE_URL + "/") or url == SITE_URL, (message.subject, url)
                links += 1
    return links


def test_the_password_reset_link_comes_from_site_url_not_the_host_header(client, mailoutbox):
    user = UserFactory()
    response = client.post(reverse("account_reset_password"), {"email": user.email}, HTTP_HOST=FOREIGN_HOST)
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    link = re.search(r"https?://\S+/konto/password/reset/key/\S+/", mailoutbox[0].body).group(0)
    assert link.startswith(SITE_URL + "/konto/password/reset/key/")
    assert FOREIGN_HOST not in mailoutbox[0].body

    # the link works on the site
    response = client.get(link.removeprefix(SITE_URL), follow=True)
    assert response.status_code == 200
    assert 'name="password1"' in response.content.decode()


def test_every_mail_of_every_flow_links_to_site_url_only(client, mailoutbox, settings, django_capture_on_commit_callbacks):
    settings.HDS_FORUM_PREMODERATION = {"enabled": False}
    existing = UserFactory(email="vorhanden@example.com")
    editor = UserFactory(email="redaktion@example.com", is_staff=True)
    editor.user_permissions.add(Permission.objects.get(content_type__app_label="wagtailadmin", codename="access_admin"))
    host = {"HTTP_HOST": FOREIGN_HOST}

    def signup(email, display_name):
        return client.post(reverse("account_signup"), {
            "email": email, "display_name": display_name, "password1": PASSWORD, "password2": PASSWORD,
        }, **host)

    flows = {}
    with django_capture_on_commit_callbacks(execute=True):
        # allauth: confirmation mail, "account already exists", password reset, unknown account
        flows["signup"] = signup("neu@example.com", "Neue Kollegin")
        flows["signup-existing"] = signup(existing.email, "Noch Jemand")
        flows["reset"] = client.post(reverse("account_reset_password"), {"email": existing.email}, **host)
        flows["reset-unknown"] = client.post(reverse("account_reset_password"), {"email": "niemand@example.com"}, **host)
        # Wagtail's own password reset in the admin
        flows["admin-reset"] = client.post(reverse("wagtailadmin_password_reset"), {"email": editor.email}, **host)
        # the forum: a reply over HTTP mails the thread's watcher at once
        thread = forum_thread()
        from community import services as forum

        forum.set_email_mode(user=thread.author, mode="immediate")
        client.force_login(ForumMemberFactory(display_name="Gustav"))
        flows["forum-reply"] = client.post(reverse("community:thread_reply", args=[thread.pk]),
                                           {"body": "Eine Antwort über einen fremden Host."}, **host)
        client.logout()
        # campaigns: signing sends the confirmation mail
        campaign_index()
        campaign = make_campaign(organisers=[UserFactory(email="orga@example.com")])
        from campaigns import consent

        flows["campaign-sign"] = client.post(campaign.url, {
            "name": "Anna Beispiel", "email": "anna@example.com", "country": "DE", "postcode": "10115",
            "consent": "on", "consent_version": consent.CURRENT_VERSION, "website": "",
        }, **host)

    assert {name: r.status_code for name, r in flows.items()} == {
        "signup": 302, "signup-existing": 302, "reset": 302, "reset-unknown": 302, "admin-reset": 302,
        "forum-reply": 302, "campaign-sign": 200,
    }
    subjects = [m.subject for m in mailoutbox]
    recipients = sorted(r for m in mailoutbox for r in m.to)
    assert recipients == sorted([
        "neu@example.com", existing.email, existing.email, "niemand@example.com", editor.email,
        thread.author.email, "anna@example.com",
    ]), subjects
    # every mail has at least one link, and every link is on SITE_URL
    assert assert_links_on_site_url(mailoutbox) >= len(mailoutbox)
    for message in mailoutbox:
        assert URL.search(message.body), message.subject


def test_wagtail_workflow_mails_link_to_site_url(mailoutbox, django_capture_on_commit_callbacks):
    """Wagtail's moderation mails build links from WAGTAILADMIN_BASE_URL, which is SITE_URL."""
    from django.contrib.auth.models import Group

    from tests.factories import content_article, content_article_index, content_home

    article = content_article(index=content_article_index(home=content_home()), title="Zur Freigabe")
    submitter = UserFactory(email="autorin@example.com", is_staff=True)
    reviewer = UserFactory(email="pruefer@example.com", is_staff=True)
    for user in (submitter, reviewer):
        user.groups.add(Group.objects.get(name="Redaktion"))
    with django_capture_on_commit_callbacks(execute=True):
        article.get_workflow().start(article, submitter)
    assert [m.to for m in mailoutbox] == [[reviewer.email]]
    assert "/cms/pages/" in mailoutbox[0].body
    assert assert_links_on_site_url(mailoutbox) >= 1
