"""Daphne itself refuses WebSocket messages above 64 KiB (the Procfile's options), before a consumer sees them.

The consumers answer frames above HDS_LIVE_MAX_FRAME_BYTES (16 KiB) with a
`too_large` error and keep the socket (tests/security/test_hostile_websocket.py);
without a transport limit a client could still make the process buffer a
message of any size first. A real Daphne process started with the Procfile's
web command, a real WebSocket client.
"""

from __future__ import annotations

import json
import time

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from community.models import Category
from tests.faults import processes

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

KIB = 1024


@pytest.fixture
def web(transactional_db, postgres, tmp_path):
    env = processes.daphne_env(database_url=processes.database_url(postgres), redis_url=None)
    daphne = processes.Daphne("web", env, tmp_path, procfile=True)
    try:
        daphne.wait_until_healthy()
        yield daphne
    finally:
        daphne.stop()


def _until(ws, kind: str) -> dict:
    deadline = time.monotonic() + 15
    while True:
        event = json.loads(ws.recv(timeout=max(0.1, deadline - time.monotonic())))
        if event["type"] == kind:
            return event


def _socket(daphne, path: str):
    return connect(daphne.ws + path, origin="http://127.0.0.1", open_timeout=10)


def _ready(ws) -> None:
    ws.send(json.dumps({"type": "resume", "seq": 0}))
    _until(ws, "ready")


def test_a_message_above_64_kib_closes_the_connection_and_the_process_serves_on(web):
    path = f"/ws/community/categories/{Category.objects.create(name='Offen', slug='offen').pk}/"
    with _socket(web, path) as ws:
        _ready(ws)
        ws.send(json.dumps({"type": "ping", "pad": "x" * (20 * KIB)}))  # above the consumer's limit only
        assert _until(ws, "error")["code"] == "too_large"
        ws.send(json.dumps({"type": "ping"}))
        _until(ws, "pong")

        ws.send(json.dumps({"type": "ping", "pad": "x" * (64 * KIB)}))  # above Daphne's
        with pytest.raises(ConnectionClosed) as closed:
            event = _until(ws, "error")
            pytest.fail(f"the consumer got the message and answered: {event}")
    # Daphne fails the connection: a close frame with 1009 ("message too big"), or, when it closes the socket
    # with the rest of the message still unread, a TCP reset that overtakes the close frame
    received = closed.value.rcvd
    assert received is None or received.code == 1009, closed.value

    with _socket(web, path) as ws:  # the process is unharmed
        _ready(ws)
        ws.send(json.dumps({"type": "ping"}))
        _until(ws, "pong")
    assert web.alive()
