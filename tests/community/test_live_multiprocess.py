"""Two Daphne processes on one PostgreSQL and one Redis.

A member replies through process A (over its WebSocket, which calls
community.services.post_reply in that process); a reader connected to
process B gets the ``post.created`` event. Both processes also count the
viewers of the thread together (presence in Redis).

Needs PostgreSQL and Redis (``postgres``/``redis_url`` fixtures): skipped
locally without them, failing under CI=true.
"""

from __future__ import annotations

import json
import time

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from community import events, services
from community.models import Category
from hds_site import realtime
from tests.factories import UserFactory
from tests.faults import processes
from tests.faults.processes import receive

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def two_daphnes(transactional_db, postgres, redis_url, tmp_path):
    # the plain test settings (pre-moderation as configured there), not the fault tests' variant
    with processes.two_daphnes(postgres, redis_url, tmp_path, settings_module="hds_site.settings.test") as daphnes:
        yield daphnes


def test_a_reply_through_process_a_reaches_a_client_of_process_b(two_daphnes, settings):
    from websockets.sync.client import connect

    process_a, process_b = two_daphnes
    settings.HDS_FORUM_PREMODERATION = {"enabled": False}
    member = UserFactory(display_name="Clara Prozess")
    # an established member: her posts need no approval in the Daphne processes either
    get_user_model().objects.filter(pk=member.pk).update(date_joined=timezone.now() - timezone.timedelta(days=30))
    member.refresh_from_db()
    category = Category.objects.create(name="Zwei Prozesse", slug="zwei-prozesse")
    thread = services.create_thread(category=category, author=member, title="Läuft das über Redis?", body="Test.")
    group = events.thread_group(thread.pk)
    seen = realtime.last_seq(group)
    client = Client()
    client.force_login(member)
    cookie = f"{django_settings.SESSION_COOKIE_NAME}={client.cookies[django_settings.SESSION_COOKIE_NAME].value}"
    path = f"/ws/community/threads/{thread.pk}/"

    with connect(process_b.ws + path, origin="http://127.0.0.1", open_timeout=10) as reader, connect(
        process_a.ws + path, origin="http://127.0.0.1", additional_headers={"Cookie": cookie}, open_timeout=10
    ) as writer:
        for ws in (reader, writer):
            ws.send(json.dumps({"type": "resume", "seq": seen}))
            assert receive(ws, "ready")["data"]["last_seq"] == seen

        # both processes count the same two viewers
        deadline = time.monotonic() + 10
        while receive(reader, "viewers")["data"]["count"] != 2:
            assert time.monotonic() < deadline

        writer.send(json.dumps({"type": "reply", "body": "Geschrieben über Prozess A."}))
        saved = receive(writer, "reply.saved")
        assert saved["data"]["status"] == "approved", process_a.log()

        event = receive(reader, "post.created")
        assert event["seq"] == seen + 1
        assert event["data"]["post_id"] == saved["data"]["post_id"]
        assert "Geschrieben über Prozess A." in event["html"]

    # and the change made in this (third) process reaches process B as well
    with connect(process_b.ws + path, origin="http://127.0.0.1", open_timeout=10) as reader:
        reader.send(json.dumps({"type": "resume", "seq": seen + 1}))
        receive(reader, "ready")
        services.lock_thread(thread=thread, moderator=UserFactory(is_superuser=True, display_name="Admin Zwei"))
        assert receive(reader, "thread.locked")["seq"] == seen + 2
