"""The live forum over WebSocket (community/consumers.py, docs/realtime.md).

Real components only: the project's ASGI application (origin check, session
auth, URL router, consumers) driven by Channels' WebsocketCommunicator, the
forum's services making the changes, and the channel layer of the
parametrisation: in-memory always, Redis (``services`` marker) when
REDIS_URL is set.

The tests are synchronous and run their async scenario with asgiref's
``async_to_sync`` (no pytest-asyncio). They use ``transaction=True``:
consumers reach the database through ``database_sync_to_async``, which closes
connections, and events are sent only after a real commit.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from types import SimpleNamespace

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import channel_layers, get_channel_layer
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.test import Client

from community import events, presence, services
from community.consumers import CLOSE_FORBIDDEN, CLOSE_NOT_FOUND, CLOSE_UNAUTHENTICATED
from community.models import Category, InterestGroup, Post, Thread
from community.permissions import MODERATION_GROUP
from hds_site import realtime
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

db = database_sync_to_async
SKIP_EPHEMERAL = ("viewers", "typing")


# --- fixtures -------------------------------------------------------------------


def _layers() -> list:
    """In-memory in `make test`; Redis (``services``) when REDIS_URL is set.

    Where REDIS_URL is set (the PostgreSQL + Redis run of CI) only the Redis
    variant runs: the in-memory one has run in `make test` already, and every
    test here flushes the database, which is slow on PostgreSQL.
    """
    params = [pytest.param("redis", id="redis", marks=pytest.mark.services)]
    if not os.environ.get("REDIS_URL"):
        params.insert(0, pytest.param("memory", id="memory"))
    return params


@pytest.fixture(params=_layers())
def layer(request, settings):
    """The channel layer (and presence backend) under test."""
    if request.param == "redis":
        url = request.getfixturevalue("redis_url")
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        settings.REDIS_URL = url
        settings.CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "hds_site.channel_layer.RedisChannelLayer",
                "CONFIG": {"hosts": [url], "prefix": f"asgi-live-test-{worker}"},
            }
        }
    else:
        settings.REDIS_URL = None
        settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends.clear()
    presence.reset_presence()
    yield request.param
    channel_layers.backends.clear()
    presence.reset_presence()


@pytest.fixture
def forum(settings, layer):
    """Two members, a moderator, a public category with a question thread."""
    settings.HDS_FORUM_PREMODERATION = {"enabled": False}
    settings.HDS_FORUM_RATE_LIMITS = {"per_minute": 0, "per_day_new_member": 0, "duplicate_window": None}
    author = UserFactory(display_name="Anna Autorin")
    reader = UserFactory(display_name="Ben Leser")
    moderator = UserFactory(display_name="Mo Deration")
    moderator.groups.add(Group.objects.get_or_create(name=MODERATION_GROUP)[0])
    category = Category.objects.create(name="Honorare", slug="honorare")
    thread = services.create_thread(
        category=category, author=author, title="Wie kalkuliert ihr Tagessätze?",
        body="Ich bin neu selbstständig.", kind=Thread.Kind.QUESTION,
    )
    return SimpleNamespace(author=author, reader=reader, moderator=moderator, category=category, thread=thread)


def login_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[django_settings.SESSION_COOKIE_NAME].value


def thread_path(thread) -> str:
    return f"/ws/community/threads/{thread.pk}/"


def run(scenario):
    """Run an async scenario from a synchronous test."""
    async_to_sync(scenario)()


class Socket:
    """A WebsocketCommunicator speaking the live protocol."""

    def __init__(self, comm: WebsocketCommunicator):
        self.comm = comm

    @classmethod
    async def open(cls, path: str, *, cookie: str | None = None, resume: int | None = None) -> Socket:
        from hds_site.asgi import application

        headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
        if cookie:
            headers.append((b"cookie", f"{django_settings.SESSION_COOKIE_NAME}={cookie}".encode()))
        comm = WebsocketCommunicator(application, path, headers=headers)
        connected, _ = await comm.connect(timeout=5)
        assert connected, f"handshake refused for {path}"
        socket = cls(comm)
        socket.replayed = []
        if resume is not None:
            await socket.send({"type": "resume", "seq": resume})
            while (event := await socket.next())["type"] != "ready":
                socket.replayed.append(event)
        return socket

    async def send(self, message) -> None:
        await self.comm.send_to(text_data=message if isinstance(message, str) else json.dumps(message))

    async def next(self, timeout: float = 5, skip=SKIP_EPHEMERAL) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            remaining = max(0.01, deadline - time.monotonic())
            output = await self.comm.receive_output(remaining)
            if output["type"] == "websocket.close":
                return {"type": "__closed__", "code": output.get("code")}
            event = json.loads(output["text"])
            if event["type"] not in skip:
                return event

    async def expect(self, type: str, **kwargs) -> dict:
        event = await self.next(**kwargs)
        assert event["type"] == type, f"expected {type}, got {event}"
        return event

    async def closed_with(self) -> int | None:
        event = await self.next()
        assert event["type"] == "__closed__", f"expected the socket to close, got {event}"
        return event["code"]

    async def nothing(self, wait: float = 0.3, skip=SKIP_EPHEMERAL) -> None:
        """Assert that no (non-skipped) message arrives within ``wait`` seconds."""
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            while not self.comm.output_queue.empty():
                output = self.comm.output_queue.get_nowait()
                if output["type"] == "websocket.close":
                    raise AssertionError(f"socket closed unexpectedly: {output}")
                event = json.loads(output["text"])
                if event["type"] not in skip:
                    raise AssertionError(f"unexpected message {event}")
            await asyncio.sleep(0.02)

    async def close(self) -> None:
        await self.comm.disconnect()


def seq_of(group: str) -> int:
    return realtime.last_seq(group)


# --- delivery after commit --------------------------------------------------------


def test_watcher_receives_post_created_after_commit_and_not_before(forum):
    group = events.thread_group(forum.thread.pk)
    start = seq_of(group)

    def reply_and_look_inside_the_transaction(watcher: Socket) -> Post:
        with transaction.atomic():
            post = services.post_reply(thread=forum.thread, author=forum.reader, body="Ich rechne mit 600 € am Tag.")
            # the change exists only inside this transaction: nothing may be on the wire yet
            async_to_sync(watcher.nothing)(0.3)
        return post

    async def scenario():
        watcher = await Socket.open(thread_path(forum.thread), resume=start)
        post = await db(reply_and_look_inside_the_transaction)(watcher)
        event = await watcher.expect("post.created")
        assert event["seq"] == start + 1
        assert event["data"]["post_id"] == post.pk
        assert event["data"]["number"] == post.number == 2
        assert f'id="post-{post.number}"' in event["html"]
        assert "600" in event["html"]
        await watcher.nothing()
        await watcher.close()

    run(scenario)


def test_rolled_back_change_sends_nothing(forum):
    group = events.thread_group(forum.thread.pk)
    start = seq_of(group)

    def reply_then_fail():
        try:
            with transaction.atomic():
                services.post_reply(thread=forum.thread, author=forum.reader, body="Wird zurückgerollt.")
                raise RuntimeError("boom")
        except RuntimeError:
            pass

    async def scenario():
        watcher = await Socket.open(thread_path(forum.thread), resume=start)
        await db(reply_then_fail)()
        await watcher.nothing(0.5)
        assert await db(seq_of)(group) == start
        await watcher.close()

    run(scenario)


def test_edits_deletions_reactions_answer_and_moderation_arrive_in_order(forum):
    thread = forum.thread
    start = seq_of(events.thread_group(thread.pk))
    reply = services.post_reply(thread=thread, author=forum.reader, body="Rechne erst die Fixkosten.")
    other = services.post_reply(thread=thread, author=forum.moderator, body="Und plane Urlaub ein.")
    start += 2

    def changes():
        services.edit_post(post=reply, editor=forum.reader, body="Rechne erst die Fixkosten, dann den Stundensatz.")
        services.toggle_reaction(post=reply, user=forum.author, kind="thumbsup")
        services.accept_answer(post=reply, actor=forum.author)
        services.hide_post(post=other, moderator=forum.moderator, reason="Test")
        services.unhide_post(post=other, moderator=forum.moderator)
        services.lock_thread(thread=thread, moderator=forum.moderator, reason="Erledigt")
        services.unlock_thread(thread=thread, moderator=forum.moderator)
        services.pin_thread(thread=thread, moderator=forum.moderator)
        services.unpin_thread(thread=thread, moderator=forum.moderator)
        services.delete_post(post=reply, actor=forum.reader)

    expected = [
        "post.edited", "reaction.changed", "answer.accepted", "post.hidden", "post.unhidden",
        "thread.locked", "thread.unlocked", "thread.pinned", "thread.unpinned",
        "answer.accepted",  # deleting the accepted answer clears it
        "post.deleted",
    ]

    async def scenario():
        watcher = await Socket.open(thread_path(thread), resume=start)
        await db(changes)()
        received = [await watcher.next() for _ in expected]
        assert [e["type"] for e in received] == expected
        assert [e["seq"] for e in received] == list(range(start + 1, start + 1 + len(expected)))
        edited, reaction, accepted, hidden = received[:4]
        assert "Stundensatz" in edited["html"] and edited["data"]["post_id"] == reply.pk
        assert reaction["data"]["counts"]["thumbsup"] == 1
        assert accepted["data"]["post_id"] == reply.pk
        assert hidden["data"]["post_id"] == other.pk and "Urlaub" not in hidden["html"]
        assert received[-2]["data"]["post_id"] is None
        assert "Stundensatz" not in received[-1]["html"]
        await watcher.nothing()
        await watcher.close()

    run(scenario)


def test_category_socket_gets_thread_activity(forum):
    group = events.category_group(forum.category.pk)
    start = seq_of(group)

    async def scenario():
        watcher = await Socket.open(f"/ws/community/categories/{forum.category.pk}/", resume=start)
        post = await db(services.post_reply)(thread=forum.thread, author=forum.reader, body="Neu in der Kategorie.")
        event = await watcher.expect("thread.activity")
        assert event["data"]["thread_id"] == forum.thread.pk and event["data"]["post_id"] == post.pk
        await watcher.close()

    run(scenario)


# --- resume -------------------------------------------------------------------------


def test_resume_replays_exactly_the_five_missed_changes_in_order_each_once(forum):
    thread = forum.thread
    group = events.thread_group(thread.pk)
    first = services.post_reply(thread=thread, author=forum.reader, body="Eine erste Antwort.")

    def five_changes():
        second = services.post_reply(thread=thread, author=forum.author, body="Danke!")
        services.edit_post(post=first, editor=forum.reader, body="Eine erste, bearbeitete Antwort.")
        services.toggle_reaction(post=second, user=forum.reader, kind="heart")
        services.accept_answer(post=first, actor=forum.author)
        services.lock_thread(thread=thread, moderator=forum.moderator)

    async def scenario():
        socket = await Socket.open(thread_path(thread), resume=await db(seq_of)(group))
        await socket.send({"type": "ping"})
        await socket.expect("pong")
        seen = await db(seq_of)(group)
        await socket.close()

        await db(five_changes)()
        # a client that saw everything up to `seen` comes back
        socket = await Socket.open(thread_path(thread))
        await socket.send({"type": "resume", "seq": seen})
        replayed = []
        while True:
            event = await socket.next()
            if event["type"] == "ready":
                break
            replayed.append(event)
        assert [e["type"] for e in replayed] == [
            "post.created", "post.edited", "reaction.changed", "answer.accepted", "thread.locked",
        ]
        assert [e["seq"] for e in replayed] == [seen + 1, seen + 2, seen + 3, seen + 4, seen + 5]
        # live again afterwards, and nothing replayed twice
        await socket.nothing()
        await db(services.unlock_thread)(thread=thread, moderator=forum.moderator)
        event = await socket.expect("thread.unlocked")
        assert event["seq"] == seen + 6
        await socket.close()

    run(scenario)


def test_live_events_during_replay_are_neither_lost_nor_duplicated(forum):
    """Events committed while a client resumes arrive once, after the replayed ones, in order."""
    thread = forum.thread
    group = events.thread_group(thread.pk)
    seen = seq_of(group)
    for n in range(3):
        services.post_reply(thread=thread, author=forum.reader, body=f"Verpasst {n}")

    async def scenario():
        socket = await Socket.open(thread_path(thread))
        # joined the group, not resumed yet: these are sent live and also in the log
        for n in range(2):
            await db(services.post_reply)(thread=thread, author=forum.author, body=f"Live {n}")
        await socket.send({"type": "resume", "seq": seen})
        received = []
        while True:
            event = await socket.next()
            if event["type"] == "ready":
                break
            received.append(event)
        assert [e["seq"] for e in received] == list(range(seen + 1, seen + 6))
        await socket.nothing()
        await socket.close()

    run(scenario)


def test_a_gap_in_the_live_stream_is_filled_from_the_log(forum):
    """Another process may deliver seq N+1 before N: the socket still sends N, then N+1."""
    thread = forum.thread
    group = events.thread_group(thread.pk)

    def two_events_in_the_log() -> tuple[dict, dict]:
        from hds_site.models import LiveEvent, LiveStream

        stream, _ = LiveStream.objects.get_or_create(group=group)
        base = stream.last_seq
        one = LiveEvent.objects.create(group=group, seq=base + 1, type="thread.pinned", data={"thread_id": thread.pk})
        two = LiveEvent.objects.create(group=group, seq=base + 2, type="thread.unpinned", data={"thread_id": thread.pk})
        LiveStream.objects.filter(pk=group).update(last_seq=base + 2)
        return one.envelope(), two.envelope()

    async def scenario():
        socket = await Socket.open(thread_path(thread), resume=await db(seq_of)(group))
        one, two = await db(two_events_in_the_log)()
        # only the later one arrives through the channel layer (the earlier one is "still on its way")
        await get_channel_layer().group_send(group, {"type": "live_event", "event": two})
        assert (await socket.next())["seq"] == one["seq"]
        assert (await socket.next())["seq"] == two["seq"]
        # ... and when the earlier one finally arrives, it is not sent again
        await get_channel_layer().group_send(group, {"type": "live_event", "event": one})
        await socket.nothing()
        await socket.close()

    run(scenario)


def test_resume_from_the_future_asks_the_client_to_reload(forum):
    group = events.thread_group(forum.thread.pk)

    async def scenario():
        socket = await Socket.open(thread_path(forum.thread))
        await socket.send({"type": "resume", "seq": 10_000})
        event = await socket.expect("resync")
        assert event["data"]["last_seq"] == await db(seq_of)(group)
        await socket.expect("ready")
        await socket.close()

    run(scenario)


# --- who may listen ------------------------------------------------------------------


@pytest.fixture
def private(forum):
    group = InterestGroup.objects.create(name="Freie Dozent:innen", slug="dozentinnen")
    category = Category.objects.create(name="Intern", slug="intern", group=group, members_only=True)
    services.join_group(group=group, user=forum.author)
    thread = services.create_thread(category=category, author=forum.author, title="Nur für uns hier", body="Intern.")
    return SimpleNamespace(group=group, category=category, thread=thread)


def test_anonymous_visitor_can_watch_a_public_thread(forum):
    async def scenario():
        socket = await Socket.open(thread_path(forum.thread), resume=0)
        # the whole history of the thread (its first post) is replayed before "ready"
        assert [e["type"] for e in socket.replayed] == ["post.created"]
        await db(services.post_reply)(thread=forum.thread, author=forum.reader, body="Für alle sichtbar.")
        await socket.expect("post.created")
        await socket.close()

    run(scenario)


def test_members_only_thread_and_category_refuse_outsiders(forum, private):
    outsider = login_cookie(forum.reader)
    member = login_cookie(forum.author)

    async def scenario():
        for cookie in (None, outsider):
            socket = await Socket.open(thread_path(private.thread), cookie=cookie)
            assert await socket.closed_with() == CLOSE_FORBIDDEN
            socket = await Socket.open(f"/ws/community/categories/{private.category.pk}/", cookie=cookie)
            assert await socket.closed_with() == CLOSE_FORBIDDEN
        socket = await Socket.open(thread_path(private.thread), cookie=member, resume=0)
        await socket.close()
        socket = await Socket.open("/ws/community/threads/999999/")
        assert await socket.closed_with() == CLOSE_NOT_FOUND
        socket = await Socket.open("/ws/community/categories/999999/")
        assert await socket.closed_with() == CLOSE_NOT_FOUND
        socket = await Socket.open("/ws/notifications/")
        assert await socket.closed_with() == CLOSE_UNAUTHENTICATED

    run(scenario)


def test_moving_a_thread_into_a_members_only_category_closes_outsiders(forum, private):
    outsider = login_cookie(forum.reader)
    member = login_cookie(forum.author)
    group = events.thread_group(forum.thread.pk)

    async def scenario():
        seen = await db(seq_of)(group)
        watching_outsider = await Socket.open(thread_path(forum.thread), cookie=outsider, resume=seen)
        watching_member = await Socket.open(thread_path(forum.thread), cookie=member, resume=seen)
        await db(services.move_thread)(thread=forum.thread, category=private.category, moderator=forum.moderator)
        assert await watching_outsider.closed_with() == CLOSE_FORBIDDEN
        event = await watching_member.expect("thread.moved")
        assert event["data"]["category_id"] == private.category.pk
        await watching_member.close()

    run(scenario)


# --- validation ---------------------------------------------------------------------------


def test_bad_frames_get_an_error_frame_and_the_socket_keeps_working(forum):
    async def scenario():
        socket = await Socket.open(thread_path(forum.thread), resume=0)
        cases = [
            ("{not json", "invalid_json"),
            ("[1, 2, 3]", "invalid_message"),
            ('"resume"', "invalid_message"),
            (json.dumps({"type": "launch_missiles"}), "unknown_type"),
            (json.dumps({"no": "type"}), "unknown_type"),
            (json.dumps({"type": ["ping"]}), "unknown_type"),
            (json.dumps({"type": "resume", "seq": "12"}), "invalid_seq"),
            (json.dumps({"type": "resume", "seq": -1}), "invalid_seq"),
            (json.dumps({"type": "ping", "pad": "x" * 20_000}), "too_large"),
        ]
        for frame, code in cases:
            await socket.send(frame)
            error = await socket.expect("error")
            assert error["code"] == code, (frame[:40], error)
            assert error["message"]
        await socket.comm.send_to(bytes_data=b"\x00\x01")
        assert (await socket.expect("error"))["code"] == "binary"
        await socket.send({"type": "ping"})
        await socket.expect("pong")
        # and live events still flow
        await db(services.post_reply)(thread=forum.thread, author=forum.reader, body="Noch da?")
        await socket.expect("post.created")
        await socket.close()

    run(scenario)


def test_anonymous_cannot_type_or_reply(forum):
    async def scenario():
        socket = await Socket.open(thread_path(forum.thread), resume=0)
        await socket.send({"type": "typing"})
        assert (await socket.expect("error"))["code"] == "login_required"
        await socket.send({"type": "reply", "body": "Hallo"})
        assert (await socket.expect("error"))["code"] == "login_required"
        await socket.close()

    run(scenario)


# --- typing ----------------------------------------------------------------------------------


def test_typing_reaches_others_not_the_sender_and_is_rate_limited(forum, settings):
    settings.HDS_LIVE_TYPING_INTERVAL = 0.5
    typist_cookie = login_cookie(forum.reader)

    async def scenario():
        seen = await db(seq_of)(events.thread_group(forum.thread.pk))
        watcher = await Socket.open(thread_path(forum.thread), resume=seen)
        typist = await Socket.open(thread_path(forum.thread), cookie=typist_cookie, resume=seen)
        await typist.send({"type": "typing"})
        event = await watcher.expect("typing", skip=("viewers",))
        assert event["data"] == {"user_id": forum.reader.pk, "name": "Ben Leser"}
        assert event["seq"] is None
        # a second one within the interval is refused
        await typist.send({"type": "typing"})
        assert (await typist.expect("error", skip=("viewers",)))["code"] == "rate_limited"
        await watcher.nothing(0.3, skip=("viewers",))
        # the sender never gets its own typing event
        await typist.nothing(0.1, skip=("viewers",))
        await asyncio.sleep(0.5)
        await typist.send({"type": "typing"})
        await watcher.expect("typing", skip=("viewers",))
        await typist.close()
        await watcher.close()

    run(scenario)


# --- suspended members -------------------------------------------------------------------------


def test_members_reply_over_websocket_through_the_service_but_suspended_members_cannot(forum):
    reader_cookie = login_cookie(forum.reader)
    group = events.thread_group(forum.thread.pk)

    async def scenario():
        seen = await db(seq_of)(group)
        watcher = await Socket.open(thread_path(forum.thread), resume=seen)
        member = await Socket.open(thread_path(forum.thread), cookie=reader_cookie, resume=seen)
        await member.send({"type": "reply", "body": "Über den Socket geschrieben."})
        saved = await member.expect("reply.saved")
        assert saved["data"]["status"] == "approved"
        event = await watcher.expect("post.created")
        assert event["data"]["post_id"] == saved["data"]["post_id"]
        await member.expect("post.created")

        # suspended while connected: typing and replying are refused from now on
        await db(services.suspend_member)(user=forum.reader, moderator=forum.moderator, reason="Spam", days=3)
        await member.send({"type": "typing"})
        assert (await member.expect("error"))["code"] == "forbidden"
        await member.send({"type": "reply", "body": "Trotzdem schreiben?"})
        assert (await member.expect("error"))["code"] == "forbidden"
        await watcher.nothing(0.3)
        assert not await db(Post.objects.filter(body="Trotzdem schreiben?").exists)()

        # a fresh connection of the suspended member fares no better
        again = await Socket.open(thread_path(forum.thread), cookie=reader_cookie, resume=seen + 1)
        await again.send({"type": "reply", "body": "Neuer Versuch."})
        assert (await again.expect("error"))["code"] == "forbidden"
        for socket in (watcher, member, again):
            await socket.close()

    run(scenario)


def test_reply_validation_errors_come_back_as_error_frames(forum):
    cookie = login_cookie(forum.reader)

    async def scenario():
        socket = await Socket.open(thread_path(forum.thread), cookie=cookie, resume=0)
        for message, code in [
            ({"type": "reply"}, "invalid"),
            ({"type": "reply", "body": 42}, "invalid"),
            ({"type": "reply", "body": "x"}, "invalid"),  # too short for the service
            ({"type": "reply", "body": "Hallo", "reply_to": "7"}, "invalid"),
            ({"type": "reply", "body": "Hallo", "reply_to": 999999}, "invalid"),
        ]:
            await socket.send(message)
            assert (await socket.expect("error"))["code"] == code, message
        await socket.send({"type": "ping"})
        await socket.expect("pong")
        await socket.close()

    run(scenario)


# --- viewers ---------------------------------------------------------------------------------------


def test_viewer_count_is_a_number_pushed_at_most_once_per_window(forum, settings):
    settings.HDS_LIVE_COUNTER_BATCH_SECONDS = 0.3
    window = 0.3

    async def viewers_events(socket: Socket, until_count: int, timeout: float = 5) -> list[tuple[float, int]]:
        seen = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            event = await socket.next(timeout=deadline - time.monotonic(), skip=("typing",))
            if event["type"] == "viewers":
                assert set(event["data"]) == {"count"}, "a count, no names"
                seen.append((time.monotonic(), event["data"]["count"]))
                if event["data"]["count"] == until_count:
                    return seen
        raise AssertionError(f"no viewers event with count {until_count}: {seen}")

    async def scenario():
        first = await Socket.open(thread_path(forum.thread), resume=0)
        others = [await Socket.open(thread_path(forum.thread), resume=0) for _ in range(4)]
        pushes = await viewers_events(first, 5)
        times = [t for t, _count in pushes]
        assert all(b - a >= window * 0.9 for a, b in zip(times, times[1:], strict=False)), pushes
        for socket in others[:2]:
            await socket.close()
        await viewers_events(first, 3)
        for socket in [first, *others[2:]]:
            await socket.close()
        assert await presence.viewer_count(events.thread_group(forum.thread.pk)) == 0

    run(scenario)


@pytest.mark.services
@pytest.mark.parametrize("layer", ["redis"], indirect=True)
def test_redis_presence_ignores_connections_of_a_killed_process(forum, layer):
    async def scenario():
        group = events.thread_group(forum.thread.pk)
        backend = presence.get_presence()
        client = backend._client()
        key = f"{presence._prefix()}:presence:{group}"
        # an entry a dead process left behind: never refreshed, already expired
        await client.zadd(key, {"specific.dead-process!ghost": time.time() - 1})
        socket = await Socket.open(thread_path(forum.thread), resume=0)
        assert await presence.viewer_count(group) == 1
        await socket.close()
        assert await presence.viewer_count(group) == 0

    run(scenario)


# --- notifications --------------------------------------------------------------------------------------


def test_notification_channel_pushes_mentions_and_the_unread_count(forum):
    reader_cookie = login_cookie(forum.reader)
    author_cookie = login_cookie(forum.author)

    async def scenario():
        reader_group = events.user_group(forum.reader.pk)
        author_group = events.user_group(forum.author.pk)
        mine = await Socket.open("/ws/notifications/", cookie=reader_cookie, resume=await db(seq_of)(reader_group))
        theirs = await Socket.open("/ws/notifications/", cookie=author_cookie, resume=await db(seq_of)(author_group))
        post = await db(services.post_reply)(
            thread=forum.thread, author=forum.moderator, body="@Ben Leser, was meinst du dazu?"
        )
        event = await mine.expect("notification.created")
        assert event["data"]["kind"] == "mention"
        assert event["data"]["unread_count"] == 1
        assert "Mo Deration" in event["data"]["text"]
        # the thread's author watches the thread: a reply notification, on her own channel only
        reply = await theirs.expect("notification.created")
        assert reply["data"]["kind"] == "reply"
        await mine.nothing()

        await db(services.mark_notifications_read)(user=forum.reader)
        read = await mine.expect("notifications.read")
        assert read["data"]["unread_count"] == 0
        assert post.pk
        await mine.close()
        await theirs.close()

    run(scenario)


# --- Redis down -------------------------------------------------------------------------------------------


def test_when_the_channel_layer_is_down_writes_succeed_log_once_and_resume_catches_up(forum, settings, caplog):
    """A refused Redis connection: the reply is saved, the event is in the log, one warning."""
    thread = forum.thread
    group = events.thread_group(thread.pk)
    seen = seq_of(group)
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "hds_site.channel_layer.RedisChannelLayer", "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]}}
    }
    channel_layers.backends.clear()
    realtime._outage.clear()
    try:
        with caplog.at_level("WARNING", logger="hds_site.realtime"):
            for n in range(2):
                services.post_reply(thread=thread, author=forum.reader, body=f"Trotz Ausfall gespeichert {n}.")
        assert Post.objects.filter(thread=thread, body__startswith="Trotz Ausfall").count() == 2
        paused = [r for r in caplog.records if "live events paused" in r.getMessage()]
        assert len(paused) == 1
    finally:
        settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
        channel_layers.backends.clear()

    # a client coming back gets both from the log
    async def scenario():
        socket = await Socket.open(thread_path(thread), resume=seen)
        assert [e["type"] for e in socket.replayed] == ["post.created", "post.created"]
        await socket.close()

    run(scenario)
    realtime._outage.clear()


def test_resume_from_before_the_pruned_log_asks_the_client_to_reload(forum):
    """Old events are pruned (prune_live_events): a client from before the log gets resync, not a silent gap."""
    from datetime import timedelta

    from django.utils import timezone

    from hds_site.models import LiveEvent

    thread = forum.thread
    group = events.thread_group(thread.pk)
    before = seq_of(group)
    for text in ("Alt eins.", "Alt zwei.", "Neu drei."):
        services.post_reply(thread=thread, author=forum.reader, body=text)
    old = list(LiveEvent.objects.filter(group=group, seq__gt=before).order_by("seq").values_list("pk", flat=True))[:2]
    LiveEvent.objects.filter(pk__in=old).update(created_at=timezone.now() - timedelta(days=8))
    assert realtime.prune_events() == 2  # default retention: 7 days
    last = seq_of(group)

    async def scenario():
        # saw nothing of the three: the first two are gone, so replaying only the third would leave a gap
        socket = await Socket.open(thread_path(thread))
        await socket.send({"type": "resume", "seq": before})
        event = await socket.expect("resync")
        assert event["data"]["last_seq"] == last
        assert (await socket.expect("ready"))["data"]["last_seq"] == last
        await socket.close()
        # saw the two pruned ones: what it missed is still in the log, so it is replayed
        socket = await Socket.open(thread_path(thread))
        await socket.send({"type": "resume", "seq": before + 2})
        event = await socket.next()
        assert event["type"] == "post.created" and event["seq"] == before + 3 and "Neu drei." in event["html"]
        await socket.expect("ready")
        await socket.close()

    run(scenario)
