"""Live progress over /ws/campaigns/<slug>/: a real consumer, a real channel layer, throttled pushes."""

import asyncio
import json
import time

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator

from campaigns import live, services
from hds_site.asgi import application
from tests.factories import campaign_index, make_campaign, pending_signature

pytestmark = pytest.mark.django_db(transaction=True)


def _prepare(n, settings):
    settings.CAMPAIGNS_RATE_LIMIT_DOMAIN = (10_000, 600)
    settings.ALLOWED_HOSTS = ["*"]
    campaign_index()
    campaign = make_campaign(title="Live", goal=1000, milestones="100")
    ids = [pending_signature(campaign, email=f"l{i}@example.com").pk for i in range(n)]
    return campaign, ids


async def _collect(communicator, seconds):
    events = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        # receive_nothing() peeks without cancelling the app (a receive timeout would)
        if await communicator.receive_nothing(timeout=0.1, interval=0.02):
            continue
        events.append((time.monotonic(), await communicator.receive_json_from(timeout=1)))
    return events


def test_counts_are_throttled_and_the_last_one_arrives(settings):
    campaign, ids = _prepare(12, settings)

    async def scenario():
        communicator = WebsocketCommunicator(application, f"/ws/campaigns/{campaign.slug}/")
        connected, _ = await communicator.connect()
        assert connected
        first = await communicator.receive_json_from(timeout=5)
        assert first["type"] == "campaign.count" and first["data"]["count"] == 0
        started = time.monotonic()

        async def burst():
            for pk in ids:  # a burst of confirmations, each committing on its own
                await database_sync_to_async(services.confirm_signature)(signature_id=pk)
                await asyncio.sleep(0.05)
            return time.monotonic() - started

        # collect while confirming, so arrival times are push times
        collector = asyncio.ensure_future(_collect(communicator, 6))
        burst_seconds = await burst()
        events = await collector
        await communicator.disconnect()
        return events, burst_seconds

    events, burst_seconds = async_to_sync(scenario)()
    counts = [e for e in events if e[1]["type"] == "campaign.count"]
    assert counts, "no live count arrived"
    # at most one push per interval (+1 for the leading edge), not one per signature
    assert burst_seconds < 5
    assert len(counts) <= 6 + 1
    assert len(counts) < len(ids)
    for (t1, _), (t2, _) in zip(counts, counts[1:], strict=False):
        assert t2 - t1 >= 0.8  # one interval, minus the polling granularity
    # the last count always arrives
    assert counts[-1][1]["data"]["count"] == len(ids)
    assert counts[-1][1]["data"]["goal"] == 1000


def test_unknown_campaign_is_refused(settings):
    settings.ALLOWED_HOSTS = ["*"]
    campaign_index()

    async def scenario():
        communicator = WebsocketCommunicator(application, "/ws/campaigns/gibt-es-nicht/")
        connected, code = await communicator.connect()
        return connected, code

    connected, code = async_to_sync(scenario)()
    assert not connected


def test_updates_are_replayed_on_resume(settings, organiser):
    settings.ALLOWED_HOSTS = ["*"]
    campaign_index()
    campaign = make_campaign(title="Neuigkeiten", organisers=[organiser])
    services.post_update(campaign=campaign, author=organiser, title="Übergabe am Freitag", body="Kommt vorbei!")

    async def scenario():
        communicator = WebsocketCommunicator(application, f"/ws/campaigns/{campaign.slug}/")
        await communicator.connect()
        await communicator.receive_json_from(timeout=5)  # current count
        await communicator.send_json_to({"type": "resume", "seq": 0})
        event = await communicator.receive_json_from(timeout=5)
        await communicator.disconnect()
        return event

    event = async_to_sync(scenario)()
    assert event["type"] == "campaign.update" and event["seq"] == 1
    assert "Übergabe am Freitag" in event["html"]


def test_request_push_protocol_never_loses_the_last_change(settings, db):
    """Without any consumer: the window owner pushes, later changes only mark the campaign dirty."""
    from django.core.cache import cache

    campaign_index()
    campaign = make_campaign(title="Protokoll")
    live.request_push(campaign.pk)
    assert cache.get(live.window_key(campaign.pk))
    live.request_push(campaign.pk)
    assert cache.get(live.dirty_key(campaign.pk))
    cache.delete(live.window_key(campaign.pk))  # the window ran out

    pushed = async_to_sync(live.trailing_push)(campaign.pk)
    assert pushed
    assert not cache.get(live.dirty_key(campaign.pk))


def test_resume_from_before_the_pruned_log_gets_resync(settings, organiser):
    """Pruned updates: a client that missed them is told to resync; one that saw them gets the rest."""
    from datetime import timedelta

    from django.utils import timezone

    from hds_site import realtime
    from hds_site.models import LiveEvent

    settings.ALLOWED_HOSTS = ["*"]
    campaign_index()
    campaign = make_campaign(title="Alte Neuigkeiten", organisers=[organiser])
    services.post_update(campaign=campaign, author=organiser, title="Erste", body="Lange her.")
    services.post_update(campaign=campaign, author=organiser, title="Zweite", body="Gerade eben.")
    LiveEvent.objects.filter(group=campaign.group_name, seq=1).update(created_at=timezone.now() - timedelta(days=30))
    assert realtime.prune_events(older_than_days=7) == 1

    async def resume(seq):
        communicator = WebsocketCommunicator(application, f"/ws/campaigns/{campaign.slug}/")
        await communicator.connect()
        await communicator.receive_json_from(timeout=5)  # current count
        await communicator.send_json_to({"type": "resume", "seq": seq})
        event = await communicator.receive_json_from(timeout=5)
        assert await communicator.receive_nothing(timeout=0.3)
        await communicator.disconnect()
        return event

    event = async_to_sync(resume)(0)
    assert event == {"type": "resync", "seq": None, "data": {"last_seq": 2}}
    event = async_to_sync(resume)(1)
    assert event["type"] == "campaign.update" and event["seq"] == 2 and "Zweite" in event["html"]


# --- the shared protocol (hds_site.live_consumer.LiveConsumer) ---------------------------------------------


def test_the_campaign_socket_has_the_forum_sockets_flood_limit(settings):
    """The campaign socket is a LiveConsumer: a flooding client gets rate_limited errors, then 4429."""
    from hds_site.live_consumer import CLOSE_TOO_MANY

    settings.ALLOWED_HOSTS = ["*"]
    campaign_index()
    campaign = make_campaign(title="Flut")

    async def scenario():
        communicator = WebsocketCommunicator(application, f"/ws/campaigns/{campaign.slug}/")
        assert (await communicator.connect())[0]
        assert (await communicator.receive_json_from(timeout=5))["type"] == "campaign.count"
        answers = []
        for _ in range(130):
            await communicator.send_json_to({"type": "ping"})
        while True:
            output = await communicator.receive_output(timeout=5)
            if output["type"] == "websocket.close":
                return answers, output["code"]
            answers.append(json.loads(output["text"]))

    answers, code = async_to_sync(scenario)()
    assert code == CLOSE_TOO_MANY
    assert [a["type"] for a in answers[:60]] == ["pong"] * 60
    assert {a.get("code") for a in answers[60:]} == {"rate_limited"}


def test_a_replayed_update_is_not_sent_twice_when_it_also_arrives_live(settings, organiser):
    """Held until the resume and deduplicated by seq, like the forum's: each update once, in order."""
    settings.ALLOWED_HOSTS = ["*"]
    settings.HDS_LIVE_RESUME_WAIT = 5
    campaign_index()
    campaign = make_campaign(title="Einmal", organisers=[organiser])

    async def scenario():
        communicator = WebsocketCommunicator(application, f"/ws/campaigns/{campaign.slug}/")
        await communicator.connect()
        await communicator.receive_json_from(timeout=5)  # current count
        # published after the socket joined, before it resumed: in the log and on its way live
        await database_sync_to_async(services.post_update)(campaign=campaign, author=organiser, title="Live", body="x")
        await communicator.send_json_to({"type": "resume", "seq": 0})
        events = await _collect(communicator, 1)
        await communicator.disconnect()
        return [e for _, e in events]

    events = async_to_sync(scenario)()
    assert [(e["type"], e["seq"]) for e in events] == [("campaign.update", 1)]


def test_a_count_push_while_the_channel_layer_is_down_is_logged_once(settings, caplog, db):
    """campaigns/live.py sends through realtime like the forum: an outage is a warning, never an exception."""
    from channels.layers import channel_layers
    from django.core.cache import cache

    from hds_site import realtime

    campaign_index()
    campaign = make_campaign(title="Ausfall")
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "hds_site.channel_layer.RedisChannelLayer",
            "CONFIG": {"hosts": ["redis://127.0.0.1:1/0"]},
        }
    }
    channel_layers.backends.clear()
    realtime._outage.clear()
    try:
        with caplog.at_level("WARNING", logger="hds_site.realtime"):
            for _ in range(2):
                cache.set(live.dirty_key(campaign.pk), 1)
                cache.delete(live.window_key(campaign.pk))
                assert async_to_sync(live.trailing_push)(campaign.pk)
        paused = [r for r in caplog.records if "live events paused" in r.getMessage()]
        assert len(paused) == 1
    finally:
        settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
        channel_layers.backends.clear()
        realtime._outage.clear()
