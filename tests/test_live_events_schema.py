"""Every live event type is declared with its data, and what is sent matches the declaration.

* tests/conftest.py checks every event any test sends (``realtime.observers``) against its
  declaration; here the validator itself is tested, and one scenario through the real forum and
  campaign services and sockets sends every declared type, each checked.
* docs/realtime.md lists every declared type.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings
from django.test import Client

from hds_site import realtime
from tests.factories import ForumMemberFactory, campaign_index, forum_thread, make_campaign

DOCS = Path(__file__).resolve().parent.parent / "docs" / "realtime.md"


def test_validate_rejects_undeclared_types_and_mismatching_data():
    realtime.declared_types()
    good = {
        "type": "post.created",
        "seq": 3,
        "html": "",
        "data": {"thread_id": 1, "post_id": 2, "number": 3, "author_id": None, "author_name": ""},
    }
    assert realtime.validate(good) == []
    assert realtime.validate({**good, "type": "post.liked"}) == ["undeclared event type 'post.liked'"]
    missing = {**good, "data": {k: v for k, v in good["data"].items() if k != "number"}}
    assert realtime.validate(missing) == ["post.created: data key 'number' is missing"]
    assert realtime.validate({**good, "data": {**good["data"], "body": "geheim"}}) == [
        "post.created: undeclared data key 'body'"
    ]
    wrong = realtime.validate({**good, "data": {**good["data"], "post_id": "2"}})
    assert len(wrong) == 1 and "post_id" in wrong[0]
    assert realtime.validate({**good, "data": {**good["data"], "post_id": True}})  # a bool is no id
    assert realtime.validate({"type": "viewers", "seq": 4, "data": {"count": 1}})  # ephemeral with a seq
    # optional keys may be missing, control frames carry their extras beside data
    assert (
        realtime.validate(
            {"type": "thread.activity", "seq": 1, "data": {"thread_id": 1, "post_id": 2, "category_id": 3}}
        )
        == []
    )
    assert realtime.validate(realtime.Event.control("error", code="invalid", message="Nein.").envelope()) == []


def test_one_envelope_for_every_kind_of_frame():
    assert realtime.Event.replayable("thread.locked", {"thread_id": 1}, seq=5).envelope() == {
        "type": "thread.locked",
        "seq": 5,
        "data": {"thread_id": 1},
        "html": "",
    }
    assert realtime.Event.ephemeral("viewers", {"count": 2}).envelope() == {
        "type": "viewers",
        "seq": None,
        "data": {"count": 2},
        "html": "",
    }
    assert realtime.Event.control("pong").envelope() == {"type": "pong", "seq": None}
    assert realtime.Event.control("resync", {"last_seq": 2}).envelope() == {
        "type": "resync",
        "seq": None,
        "data": {"last_seq": 2},
    }
    assert realtime.Event.control("error", code="x", message="y").envelope() == {
        "type": "error",
        "seq": None,
        "code": "x",
        "message": "y",
    }
    assert realtime.group_message(realtime.Event.ephemeral("typing", {"user_id": 1, "name": "A"}), sender="c1") == {
        "type": "live_event",
        "sender": "c1",
        "event": {"type": "typing", "seq": None, "data": {"user_id": 1, "name": "A"}, "html": ""},
    }


def test_a_type_cannot_be_declared_twice_differently():
    realtime.declared_types()
    with pytest.raises(ValueError):
        realtime.declare("post.created", realtime.EPHEMERAL, count=int)


def test_docs_list_every_declared_type():
    documented = set(re.findall(r"`([a-z]+(?:\.[a-z]+)?)`", DOCS.read_text(encoding="utf-8")))
    missing = sorted(set(realtime.declared_types()) - documented)
    assert not missing, f"docs/realtime.md does not list {missing}"


@pytest.mark.django_db(transaction=True)
def test_the_services_and_sockets_send_every_declared_type_as_declared(settings):
    """One of each type through the real services and consumers; every envelope is validated."""
    from django.contrib.auth.models import Group

    from campaigns import services as campaign_services
    from community import services
    from community.models import Category
    from community.permissions import MODERATION_GROUP

    settings.ALLOWED_HOSTS = ["*"]
    settings.HDS_FORUM_PREMODERATION = {"enabled": False}
    settings.HDS_FORUM_RATE_LIMITS = {"per_minute": 0, "per_day_new_member": 0, "duplicate_window": None}
    settings.HDS_LIVE_TYPING_INTERVAL = 0.0
    settings.HDS_LIVE_COUNTER_BATCH_SECONDS = 0.05
    seen: list[tuple[str, dict]] = []
    observer = lambda group, envelope: seen.append((group, envelope))  # noqa: E731
    realtime.observers.append(observer)
    try:
        moderator = ForumMemberFactory(display_name="Mo Moderation")
        moderator.groups.add(Group.objects.get_or_create(name=MODERATION_GROUP)[0])
        author = ForumMemberFactory(display_name="Ada Autorin")
        other = ForumMemberFactory(display_name="Bea Beispiel")
        thread = forum_thread(author=author, title="Welche Versicherung?", kind="question")
        reply = services.post_reply(thread=thread, author=other, body="Hallo @Ada Autorin, schau hier.")
        services.edit_post(post=reply, editor=other, body="Hallo @Ada Autorin, schau mal hier.")
        services.toggle_reaction(post=reply, user=author, kind="heart")
        services.accept_answer(post=reply, actor=author)
        services.clear_accepted_answer(thread=thread, actor=author)
        services.hide_post(post=reply, moderator=moderator, reason="Prüfen")
        services.unhide_post(post=reply, moderator=moderator)
        services.delete_post(post=reply, actor=other)
        for op in ("lock_thread", "unlock_thread", "pin_thread", "unpin_thread"):
            getattr(services, op)(thread=thread, moderator=moderator)
        services.move_thread(
            thread=thread, category=Category.objects.create(name="Neu", slug="neu"), moderator=moderator
        )
        services.mark_notifications_read(user=author)
        settings.HDS_FORUM_PREMODERATION = {"enabled": True, "account_age": None, "until_first_approved_post": True}
        pending = services.post_reply(thread=thread, author=ForumMemberFactory(), body="Erstlingswerk.")
        services.approve_post(post=pending, moderator=moderator)
        settings.HDS_FORUM_PREMODERATION = {"enabled": False}

        campaign_index()
        campaign = make_campaign(title="Schema", organisers=[moderator])
        campaign_services.post_update(campaign=campaign, author=moderator, title="Neu", body="Es geht los.")

        client = Client()
        client.force_login(other)
        cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value

        async def sockets():
            from hds_site.asgi import application

            headers = [
                (b"origin", b"http://testserver"),
                (b"host", b"testserver"),
                (b"cookie", f"{django_settings.SESSION_COOKIE_NAME}={cookie}".encode()),
            ]
            watcher = WebsocketCommunicator(application, f"/ws/community/threads/{thread.pk}/", headers=headers[:2])
            typist = WebsocketCommunicator(application, f"/ws/community/threads/{thread.pk}/", headers=headers)
            fan = WebsocketCommunicator(application, f"/ws/campaigns/{campaign.slug}/", headers=headers[:2])
            for comm in (watcher, typist, fan):
                assert (await comm.connect(timeout=5))[0]
            for comm in (watcher, typist):
                await comm.send_json_to({"type": "resume", "seq": 10_000})  # ahead of the log: resync
            await typist.send_json_to({"type": "typing"})
            await typist.send_json_to({"type": "reply", "body": "Über den Socket."})
            await typist.send_json_to({"type": "ping"})
            await typist.send_json_to({"type": "flog"})
            await fan.send_json_to({"type": "resume", "seq": 0})
            wanted = {"typing", "viewers"}
            got = set()
            while not wanted <= got:
                got.add((await watcher.receive_json_from(timeout=5))["type"])
            for comm in (watcher, typist, fan):
                await comm.disconnect()

        async_to_sync(sockets)()

        async def ready():
            from hds_site.asgi import application

            comm = WebsocketCommunicator(
                application,
                f"/ws/community/threads/{thread.pk}/",
                headers=[(b"origin", b"http://testserver"), (b"host", b"testserver")],
            )
            await comm.connect(timeout=5)
            await comm.send_json_to({"type": "resume", "seq": 0})
            while (await comm.receive_json_from(timeout=5))["type"] != "ready":
                pass
            await comm.disconnect()

        async_to_sync(ready)()
    finally:
        realtime.observers.remove(observer)

    problems = [f"{group}: {p}" for group, envelope in seen for p in realtime.validate(envelope)]
    assert not problems, problems
    sent = {envelope["type"] for _, envelope in seen}
    missing = sorted(set(realtime.declared_types()) - sent)
    assert not missing, f"declared but not sent in this scenario: {missing}"
