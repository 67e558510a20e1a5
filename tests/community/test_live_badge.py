"""The live notification badge in the header (community/wagtail_hooks_live.py)."""

import re

import pytest
from django.urls import reverse

from community import events, services
from community.models import Notification
from hds_site import realtime
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BADGE = re.compile(
    r'<span id="notification-badge" class="badge" data-ws-path="/ws/notifications/" data-last-seq="(\d+)">(\d+)</span>'
)


def test_members_see_their_unread_count_with_the_live_socket_path(client):
    member = UserFactory(display_name="Dora Badge")
    other = UserFactory(display_name="Emil Anders")
    for _ in range(2):
        services.notify(recipient=member, kind=Notification.Kind.MODERATION, message="Hinweis")
    services.notify(recipient=other, kind=Notification.Kind.MODERATION, message="Nicht für Dora")
    client.force_login(member)

    html = client.get(reverse("community:index")).content.decode()

    match = BADGE.search(html)
    assert match, "badge missing"
    assert int(match.group(2)) == 2
    assert int(match.group(1)) == realtime.last_seq(events.user_group(member.pk))
    assert "ungelesene Benachrichtigungen" in html
    assert f'href="{reverse("community:notifications")}"' in html
    assert "community/live.js" in html


def test_the_count_falls_when_notifications_are_read(client):
    member = UserFactory(display_name="Dora Gelesen")
    services.notify(recipient=member, kind=Notification.Kind.MODERATION, message="Hinweis")
    services.mark_notifications_read(user=member)
    client.force_login(member)
    match = BADGE.search(client.get(reverse("community:index")).content.decode())
    assert match and match.group(2) == "0"


def test_visitors_get_no_badge(client):
    html = client.get(reverse("community:index")).content.decode()
    assert 'id="notification-badge"' not in html


def test_the_badge_costs_the_same_queries_with_many_notifications(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    member = UserFactory(display_name="Dora Zählt")
    client.force_login(member)
    services.notify(recipient=member, kind=Notification.Kind.MODERATION, message="eins")
    client.get(reverse("community:index"))  # warm caches (site root, locale)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("community:index"))
    for n in range(20):
        services.notify(recipient=member, kind=Notification.Kind.MODERATION, message=f"mehr {n}")
    with CaptureQueriesContext(connection) as many:
        html = client.get(reverse("community:index")).content.decode()
    assert BADGE.search(html).group(2) == "21"
    assert len(many) == len(few)
