"""One of two Daphne processes is killed while clients watch a thread.

Two real Daphne processes share the PostgreSQL test database and Redis
(``postgres``/``redis_url``). Clients watch one thread through both; replies
keep coming (written in this process, published through Redis like any
other); process A gets SIGKILL in the middle. A's clients reconnect to B with
the last seq they saw — as site.js does — and every client ends up with every
reply exactly once, in order: no gap, no duplicate.
"""

from __future__ import annotations

import json
import threading
import time

import pytest
from django.db import connection
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from community import events, services
from community.models import Post
from hds_site import realtime
from tests.factories import UserFactory, forum_thread

from . import processes
from .processes import Daphne

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CLIENTS_PER_PROCESS = 3
REPLIES = 12
KILL_AFTER = 4  # replies
PAUSE = 0.15  # seconds between replies
DEADLINE = 40  # seconds for the whole exchange


@pytest.fixture
def two_daphnes(transactional_db, postgres, redis_url, tmp_path):
    with processes.two_daphnes(postgres, redis_url, tmp_path) as daphnes:
        yield daphnes


class Watcher(threading.Thread):
    """A browser tab: watches the thread, reconnects to ``fallback`` with its last seq when the socket drops."""

    def __init__(self, name: str, first: Daphne, fallback: Daphne, path: str, seq: int, wanted: int):
        super().__init__(name=name, daemon=True)
        self.servers = [first, fallback]
        self.path = path
        self.last_seq = seq
        self.wanted = wanted
        self.received: list[tuple[int, int]] = []  # (seq, post id) of post.created, as delivered
        self.connections = 0
        self.ready = threading.Event()
        self.error: BaseException | None = None

    def run(self):
        try:
            deadline = time.monotonic() + DEADLINE
            while len(self.received) < self.wanted and time.monotonic() < deadline:
                server = self.servers[min(self.connections, 1)]
                try:
                    self._watch(server, deadline)
                except (ConnectionClosed, OSError):
                    pass  # the process died: reconnect (site.js waits a little first)
                time.sleep(0.2)
        except BaseException as exc:  # reported by the test
            self.error = exc

    def _watch(self, server: Daphne, deadline: float):
        self.connections += 1
        with connect(server.ws + self.path, origin="http://127.0.0.1", open_timeout=10) as ws:
            ws.send(json.dumps({"type": "resume", "seq": self.last_seq}))
            while len(self.received) < self.wanted:
                event = json.loads(ws.recv(timeout=max(0.1, deadline - time.monotonic())))
                if event["type"] == "ready":
                    self.ready.set()
                elif event["type"] == events.POST_CREATED:
                    self.received.append((event["seq"], event["data"]["post_id"]))
                    self.last_seq = event["seq"]


def test_clients_of_a_killed_process_catch_up_through_the_other(two_daphnes, settings):
    process_a, process_b = two_daphnes
    settings.HDS_FORUM_PREMODERATION = {"enabled": False}  # as in the Daphne processes (daphne_settings)
    author = UserFactory(display_name="Dauerschreiberin")
    thread = forum_thread(author=author, title="Ein Prozess fällt aus", body="Wer liest mit?")
    group = events.thread_group(thread.pk)
    start = realtime.last_seq(group)
    path = f"/ws/community/threads/{thread.pk}/"

    watchers = [
        Watcher(f"{first.name}{n}", first, process_b, path, start, REPLIES)
        for first in (process_a, process_b)
        for n in range(CLIENTS_PER_PROCESS)
    ]
    for watcher in watchers:
        watcher.start()
    for watcher in watchers:
        assert watcher.ready.wait(20), (watcher.name, watcher.error, process_a.log(), process_b.log())

    posted = []
    for n in range(REPLIES):
        if n == KILL_AFTER:
            process_a.kill()
        post = services.post_reply(thread=thread, author=author, body=f"Beitrag {n + 1} im Ausfalltest.",
                                   enforce_limits=False)
        assert post.status == Post.Status.APPROVED
        posted.append(post.pk)
        time.sleep(PAUSE)
    connection.close()  # this thread's connection; the watchers never touch the database

    for watcher in watchers:
        watcher.join(DEADLINE)
        assert not watcher.is_alive(), f"{watcher.name} still waiting, got {watcher.received}"
        assert watcher.error is None, (watcher.name, watcher.error)
    expected = list(zip(range(start + 1, start + 1 + REPLIES), posted, strict=False))
    for watcher in watchers:
        # every reply exactly once, in order (a duplicate or a gap shows here)
        assert watcher.received == expected, (watcher.name, watcher.received)
    assert all(w.connections == 2 for w in watchers if w.name.startswith("A")), [w.connections for w in watchers]
    assert all(w.connections == 1 for w in watchers if w.name.startswith("B")), [w.connections for w in watchers]
    assert not process_a.alive() and process_b.alive()
