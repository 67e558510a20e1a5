"""Redis stops in the middle of a session, and comes back.

Two real Daphne processes share the PostgreSQL test database and a private
redis-server (channel layer, cache and presence all live there). While Redis
is down, pages, replies and petition signatures keep working (live updates
pause, each process logs that once); when Redis is started again on the same
port, live updates resume without restarting Daphne, and a client that
reconnects with the last seq it saw receives what it missed, each once, in
order.
"""

from __future__ import annotations

import json
import time

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from campaigns import consent
from campaigns import services as campaign_services
from campaigns.models import Signature
from community import events
from community.models import Post
from hds_site import realtime
from hds_site.models import LiveEvent
from tests.factories import UserFactory, forum_thread, make_campaign

from . import processes
from .processes import Browser, Daphne, RedisServer, receive, session_cookie

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

REQUEST_BOUND = 15  # seconds: a request during the outage may be slower, never hang

PAUSED = "live events paused: channel layer unreachable"
RESUMED = "live events resumed"
CACHE_DOWN = "cache unavailable, serving without it"


@pytest.fixture
def own_redis(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def daphnes(transactional_db, postgres, own_redis, tmp_path):
    with processes.two_daphnes(postgres, own_redis.url, tmp_path) as both:
        yield both


def _member(name: str):
    user = UserFactory(display_name=name)
    get_user_model().objects.filter(pk=user.pk).update(date_joined=timezone.now() - timezone.timedelta(days=30))
    user.refresh_from_db()
    return user


def _watch(daphne: Daphne, thread_id: int, seq: int):
    ws = connect(f"{daphne.ws}/ws/community/threads/{thread_id}/", origin="http://127.0.0.1", open_timeout=10, legacy=True)
    ws.send(json.dumps({"type": "resume", "seq": seq}))
    return ws


def _collect_until_ready(ws, timeout: float = 10) -> tuple[list[dict], int]:
    """Replayed events (with a seq) up to ``ready``, and the last seq ``ready`` reports."""
    events_seen = []
    deadline = time.monotonic() + timeout
    while True:
        event = json.loads(ws.recv(timeout=max(0.1, deadline - time.monotonic())))
        if event["type"] == "ready":
            return events_seen, event["data"]["last_seq"]
        if isinstance(event.get("seq"), int):
            events_seen.append(event)


def _timed(call, *args, **kwargs):
    started = time.monotonic()
    response = call(*args, **kwargs)
    took = time.monotonic() - started
    assert took < REQUEST_BOUND, f"{args[0]} took {took:.1f}s while Redis was down"
    return response


def _reply(browser: Browser, thread, body: str):
    return _timed(browser.submit, f"/forum/t/{thread.pk}/antworten/", {"body": body})


def test_site_keeps_working_without_redis_and_clients_catch_up(daphnes, own_redis):
    process_a, process_b = daphnes
    writer_a, writer_b = _member("Ada Ausfall"), _member("Bea Ausfall")
    thread = forum_thread(author=writer_a, title="Was passiert ohne Redis?", body="Der erste Beitrag.")
    campaign = make_campaign(title="Ausfallsichere Petition", slug="ausfallsichere-petition")
    group = events.thread_group(thread.pk)
    start = realtime.last_seq(group)
    browser_a = Browser(process_a.http, session_cookie(writer_a))
    browser_b = Browser(process_b.http, session_cookie(writer_b))
    anonymous = [Browser(process_a.http), Browser(process_b.http)]

    # --- before: live updates flow through Redis ---------------------------------
    watcher_a, watcher_b = _watch(process_a, thread.pk, start), _watch(process_b, thread.pk, start)
    for ws in (watcher_a, watcher_b):
        assert _collect_until_ready(ws) == ([], start)
    assert _reply(browser_a, thread, "Vor dem Ausfall geschrieben.").status_code == 302
    for ws in (watcher_a, watcher_b):
        assert receive(ws, "post.created")["seq"] == start + 1
    seen = start + 1

    # --- Redis goes away --------------------------------------------------------------
    own_redis.stop()
    # open sockets are closed with "unavailable for a moment" (not 1011): the browser reconnects later
    for ws in (watcher_a, watcher_b):
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                ws.recv(timeout=REQUEST_BOUND)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == realtime.CLOSE_UNAVAILABLE
    during = []
    for n, (browser, process) in enumerate([(browser_a, process_a), (browser_b, process_b)] * 2):
        for path in ["/", "/forum/", thread.get_absolute_url(), campaign.url]:
            response = _timed(browser.get, path)
            assert response.status_code == 200, (process.name, path, response.status_code, process.log())
        body = f"Während des Ausfalls, Nummer {n + 1}, über Prozess {process.name}."
        response = _reply(browser, thread, body)
        assert response.status_code == 302, (process.name, response.status_code, process.log())
        during.append(body)
    for path in ["/", "/forum/", thread.get_absolute_url()]:
        for browser in anonymous:
            assert _timed(browser.get, path).status_code == 200

    # a petition signature: signed through A, confirmed through B
    response = _timed(
        anonymous[0].submit, campaign.url,
        {"name": "Olga Offline", "email": "olga.offline@example.org", "country": "DE", "postcode": "10115",
         "consent": "on", "consent_version": consent.CURRENT_VERSION, "website": ""},
    )
    assert response.status_code == 200 and "Bitte bestätigen" in response.text, process_a.log()
    signature = Signature.objects.get(campaign=campaign, email="olga.offline@example.org")
    assert signature.status == "pending"
    confirm_path = f"/kampagnen/bestaetigen/{campaign_services.confirm_token(signature)}/"
    response = _timed(anonymous[1].submit, confirm_path, {})
    assert response.status_code == 200, process_b.log()
    signature.refresh_from_db()
    assert signature.status == "confirmed"

    # the replies are in the database, each with its event in the log
    posts = list(Post.objects.filter(thread=thread, body__in=during).order_by("number"))
    assert [p.body for p in posts] == during
    outage_events = list(LiveEvent.objects.filter(group=group, seq__gt=seen).order_by("seq"))
    assert [e.seq for e in outage_events] == list(range(seen + 1, seen + 1 + len(during)))
    assert [e.data["post_id"] for e in outage_events] == [p.pk for p in posts]

    # --- Redis is back on the same port: no Daphne restart ------------------------------
    own_redis.start()
    pids = [process_a.pid, process_b.pid]
    resumed = {}  # the browsers reconnect (site.js) with the last seq they saw
    for process in daphnes:
        ws = _watch(process, thread.pk, seen)
        replayed, last = _collect_until_ready(ws)
        assert [e["seq"] for e in replayed] == [e.seq for e in outage_events], process.name
        assert [e["data"]["post_id"] for e in replayed] == [p.pk for p in posts]
        assert last == outage_events[-1].seq
        resumed[process.name] = ws

    # live again: a reply through either process reaches the clients of both
    for browser, process in [(browser_b, process_b), (browser_a, process_a)]:
        response = _reply(browser, thread, f"Nach dem Ausfall über Prozess {process.name}.")
        assert response.status_code == 302
        expected = realtime.last_seq(group)
        for name, ws in resumed.items():
            event = receive(ws, "post.created")
            assert event["seq"] == expected, name
            assert f"Nach dem Ausfall über Prozess {process.name}." in event["html"]
    for ws in resumed.values():
        ws.close()
    assert [process_a.pid, process_b.pid] == pids and process_a.alive() and process_b.alive()

    # --- logged once per process, not per request ------------------------------------------
    for process in daphnes:
        log = process.full_log()
        assert log.count(PAUSED) == 1, log
        assert log.count(RESUMED) == 1, log
        assert log.count(CACHE_DOWN) <= 1, log
        assert "Traceback" not in log, log
