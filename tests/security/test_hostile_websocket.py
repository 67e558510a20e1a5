"""Hostile WebSocket input: every consumer, every message type it accepts.

Property (hypothesis): whatever a client sends — random text, malformed JSON,
JSON that is not an object, known and unknown types with wrong, missing or
huge fields, lone surrogates as JSON escapes, binary frames, frames above the
size limit — the consumer answers each bad frame with a clear error frame
(``{"type": "error", "code": …, "message": …}``), never an ``internal`` one,
never closes, and keeps working: a ``ping`` sent afterwards gets its ``pong``.

Real components: the project's ASGI application (origin check, session auth,
router, consumers) through Channels' WebsocketCommunicator, the forum and
campaign services behind them. One socket per example (the flood limit counts
per connection).
"""

from __future__ import annotations

import json
import time

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings
from django.test import Client
from hypothesis import example, given
from hypothesis import strategies as st

from community import services
from community.consumers import max_frame_bytes
from community.models import Category, Post, Thread
from tests.factories import UserFactory, campaign_index, make_campaign

from .hostile import SURROGATE_ESCAPES, binary_frames, hostile_settings, json_text_with_escape, message_frames

pytestmark = pytest.mark.django_db(transaction=True)

# what each consumer accepts from clients (docs/realtime.md)
THREAD_TYPES = {"resume": ["seq"], "ping": [], "typing": [], "reply": ["body", "reply_to"]}
LIVE_TYPES = {"resume": ["seq"], "ping": []}
CAMPAIGN_TYPES = {"resume": ["seq"], "ping": []}
EPHEMERAL = {"viewers", "typing"}
#: replies a valid message may get before the pong
NORMAL_ANSWERS = {"pong", "ready", "resync", "reply.saved", "post.created", "thread.activity", "campaign.count"}


@pytest.fixture
def world(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    settings.HDS_FORUM_PREMODERATION = {"enabled": False}
    settings.HDS_FORUM_RATE_LIMITS = {"per_minute": 0, "per_day_new_member": 0, "duplicate_window": None}
    settings.HDS_LIVE_TYPING_INTERVAL = 0.0
    settings.HDS_LIVE_RESUME_WAIT = 0.05
    from channels.layers import channel_layers

    from community import presence

    channel_layers.backends.clear()
    presence.reset_presence()
    member = UserFactory(display_name="Hanna Haertetest")
    category = Category.objects.create(name="Haertetest", slug="haertetest")
    thread = services.create_thread(category=category, author=member, title="Was hält das Forum aus?",
                                    body="Erster Beitrag.", kind=Thread.Kind.DISCUSSION)
    campaign_index()
    campaign = make_campaign(title="Haertetest-Kampagne", slug="haertetest-kampagne")
    client = Client()
    client.force_login(member)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    yield {"member": member, "category": category, "thread": thread, "campaign": campaign, "cookie": cookie}
    channel_layers.backends.clear()
    presence.reset_presence()


def _paths(world) -> dict[str, str]:
    return {
        "thread": f"/ws/community/threads/{world['thread'].pk}/",
        "category": f"/ws/community/categories/{world['category'].pk}/",
        "notifications": "/ws/notifications/",
        "campaign": f"/ws/campaigns/{world['campaign'].slug}/",
    }


async def _open(path: str, cookie: str | None) -> WebsocketCommunicator:
    from hds_site.asgi import application

    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
    if cookie:
        headers.append((b"cookie", f"{django_settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    comm = WebsocketCommunicator(application, path, headers=headers)
    connected, code = await comm.connect(timeout=5)
    assert connected, f"handshake refused for {path} ({code})"
    return comm


async def _until_pong(comm: WebsocketCommunicator, timeout: float = 5.0) -> list[dict]:
    """Every non-ephemeral frame up to and including the pong; fails on close."""
    seen = []
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"no pong within {timeout}s; got {seen}"
        output = await comm.receive_output(remaining)
        assert output["type"] != "websocket.close", f"the consumer closed the socket ({output}) after {seen}"
        frame = json.loads(output["text"])
        if frame.get("type") in EPHEMERAL:
            continue
        seen.append(frame)
        if frame.get("type") == "pong":
            return seen


def _assert_clear(frames: list[dict], sent) -> None:
    for frame in frames:
        kind = frame.get("type")
        if kind == "error":
            assert frame.get("code") and frame.get("code") != "internal", f"unclear error {frame} for {sent!r:.300}"
            assert isinstance(frame.get("message"), str) and len(frame["message"]) > 5, frame
        else:
            assert kind in NORMAL_ANSWERS, f"unexpected frame {frame} for {sent!r:.300}"


def _exchange(path: str, cookie: str | None, frames: list[tuple[str, object]]) -> list[dict]:
    """Open, send each frame (text or bytes), then ping; return what came back before the pong."""

    async def scenario():
        comm = await _open(path, cookie)
        try:
            for kind, payload in frames:
                # send_input, not send_to: empty frames are frames too
                key = "bytes" if kind == "bytes" else "text"
                await comm.send_input({"type": "websocket.receive", key: payload})
            await comm.send_to(text_data='{"type": "ping"}')
            return await _until_pong(comm)
        finally:
            await comm.disconnect()

    return async_to_sync(scenario)()


def _errors(frames: list[dict]) -> list[dict]:
    return [f for f in frames if f.get("type") == "error"]


# --- the property, per consumer -----------------------------------------------------


@hostile_settings(max_examples=80)
@given(frame=message_frames(list(THREAD_TYPES), THREAD_TYPES))
@example(frame='{"type": "reply", "body": "a\\u0000b"}')
@example(frame='{"type": "reply", "body": "\\ud800 lone"}')
@example(frame='{"type": "reply", "body": "ok", "reply_to": 99999999999999999999999}')
@example(frame='{"type": "reply", "body": "ok", "reply_to": -1}')
@example(frame='{"type": "reply", "body": ' + json.dumps("x" * 15_000) + "}")
@example(frame='{"type": "resume", "seq": 99999999999999999999999}')
@example(frame='{"type": "resume", "seq": -5}')
@example(frame='{"type": "resume", "seq": "7"}')
@example(frame='{"type": "typing", "to": {"deep": [1, 2, {"x": null}]}}')
def test_thread_consumer_answers_every_frame_clearly_and_keeps_working(world, frame):
    frames = _exchange(_paths(world)["thread"], world["cookie"], [("text", frame)])
    _assert_clear(frames, frame)


@hostile_settings(max_examples=30)
@given(frame=message_frames(list(THREAD_TYPES), THREAD_TYPES))
def test_thread_consumer_for_anonymous_visitors(world, frame):
    frames = _exchange(_paths(world)["thread"], None, [("text", frame)])
    _assert_clear(frames, frame)
    assert not [f for f in frames if f["type"] == "reply.saved"], "an anonymous visitor posted"


CONSUMERS = ["category", "notifications", "campaign"]


@hostile_settings(max_examples=60)
@given(consumer=st.sampled_from(CONSUMERS), frame=message_frames(list(LIVE_TYPES), LIVE_TYPES))
@example(consumer="campaign", frame='{"type": "resume", "seq": 99999999999999999999999}')
@example(consumer="campaign", frame='{"type": "resume", "seq": "\\ud800"}')
@example(consumer="campaign", frame="[1, 2, 3]")
@example(consumer="campaign", frame="not json")
@example(consumer="campaign", frame="[" * 10_000)
@example(consumer="category", frame='{"type": "resume", "seq": 99999999999999999999999}')
@example(consumer="notifications", frame='{"type": "resume", "seq": 1.5}')
def test_other_consumers_answer_every_frame_clearly_and_keep_working(world, consumer, frame):
    frames = _exchange(_paths(world)[consumer], world["cookie"], [("text", frame)])
    _assert_clear(frames, frame)


@hostile_settings(max_examples=30)
@given(consumer=st.sampled_from(["thread", *CONSUMERS]), data=binary_frames)
def test_binary_frames_are_refused_with_an_error_frame(world, consumer, data):
    frames = _exchange(_paths(world)[consumer], world["cookie"], [("bytes", data)])
    _assert_clear(frames, data)
    assert [f["code"] for f in _errors(frames)] == ["binary"]


# --- size limit ---------------------------------------------------------------------------


def test_frames_above_the_limit_are_refused_and_the_socket_keeps_working(world):
    assert max_frame_bytes() == 16 * 1024
    for consumer in ["thread", *CONSUMERS]:
        for size in (16 * 1024 + 1, 1024 * 1024):
            frame = json.dumps({"type": "ping", "pad": "x" * size})
            frames = _exchange(_paths(world)[consumer], world["cookie"], [("text", frame)])
            errors = _errors(frames)
            assert [e["code"] for e in errors] == ["too_large"], (consumer, size, frames)
            assert "16384" in errors[0]["message"]


def test_a_reply_just_below_the_frame_limit_is_still_judged_by_the_post_length(world):
    body = "ä" * 8000  # 16,000 bytes in UTF-8: passes the frame limit
    frame = json.dumps({"type": "reply", "body": body}, ensure_ascii=False)
    assert len(frame.encode()) <= 16 * 1024
    frames = _exchange(_paths(world)["thread"], world["cookie"], [("text", frame)])
    assert [f for f in frames if f["type"] == "reply.saved"]


# --- unicode edge cases reach the services and come back clean ------------------------------


def test_escaped_control_and_surrogate_characters_in_a_reply_get_a_clear_answer(world):
    for escape in SURROGATE_ESCAPES:
        frame = json_text_with_escape("reply", "body", "Text " + escape + " Text")
        frames = _exchange(_paths(world)["thread"], world["cookie"], [("text", frame)])
        _assert_clear(frames, frame)
        saved = [f for f in frames if f["type"] == "reply.saved"]
        if escape == "\\ud83d\\ude00":  # a valid surrogate pair is an emoji: saved as written
            assert saved and "\U0001f600" in Post.objects.get(pk=saved[0]["data"]["post_id"]).body
        else:
            assert not saved, escape
            assert [e["code"] for e in _errors(frames)] == ["invalid"], escape
            assert "ungültige Zeichen" in _errors(frames)[0]["message"]


def test_unicode_edge_cases_are_saved_as_written(world):
    for text in ["\u202eevil\u202c RTL", "e\u0301\u0301\u0301 combining", "\U0001f469\u200d\U0001f4bb ZWJ",
                 "שלום مرحبا", "\u200b\u200d zero width"]:
        frame = json.dumps({"type": "reply", "body": text}, ensure_ascii=False)
        frames = _exchange(_paths(world)["thread"], world["cookie"], [("text", frame)])
        saved = [f for f in frames if f["type"] == "reply.saved"]
        assert saved, frames
        assert Post.objects.get(pk=saved[0]["data"]["post_id"]).body == text


def test_many_bad_frames_in_a_row_do_not_take_the_consumer_down(world):
    bad = [("text", "{"), ("bytes", b"\x00\xff"), ("text", "[]"), ("text", '{"type": 5}'),
           ("text", json_text_with_escape("reply", "body", "\\ud800"))] * 6
    frames = _exchange(_paths(world)["thread"], world["cookie"], bad)
    _assert_clear(frames, bad)
    assert len(_errors(frames)) == len(bad)
    # and a normal reply still works on the same kind of socket
    ok = _exchange(_paths(world)["thread"], world["cookie"], [("text", json.dumps({"type": "reply", "body": "Noch da?"}))])
    assert [f for f in ok if f["type"] == "reply.saved"]

    # the campaign consumer's resume still works after all that
    frames = _exchange(_paths(world)["campaign"], None, [("text", json.dumps({"type": "resume", "seq": 0}))])
    assert not _errors(frames)
