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
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from community import events, services
from community.models import Category
from hds_site import realtime
from tests.factories import UserFactory

pytestmark = [pytest.mark.services, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

BASE_DIR = Path(__file__).resolve().parent.parent.parent
STARTUP_TIMEOUT = 60


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _daphne() -> str:
    candidate = BASE_DIR / ".venv" / "bin" / "daphne"
    return str(candidate) if candidate.exists() else str(Path(sys.executable).parent / "daphne")


def _database_url(connection) -> str:
    """The URL of the *test* database this test runs on (pytest-django renamed it)."""
    s = connection.settings_dict
    auth = quote(s["USER"] or "postgres")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"])
    return f"postgres://{auth}@{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{s['NAME']}"


class DaphneProcess:
    def __init__(self, name: str, env: dict, log_dir: Path):
        self.name = name
        self.port = _free_port()
        self.log_path = log_dir / f"daphne-{name}.log"
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [_daphne(), "-b", "127.0.0.1", "-p", str(self.port), "hds_site.asgi:application"],
                cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
            )

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def wait_until_healthy(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Daphne {self.name} exited:\n{self.log()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"Daphne {self.name} did not start:\n{self.log()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""


@pytest.fixture
def two_daphnes(transactional_db, postgres, redis_url, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_CURRENT")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "hds_site.settings.test",
            "DATABASE_URL": _database_url(postgres),
            "REDIS_URL": redis_url,
            # the test settings derive the channel-layer prefix from the xdist worker: share ours
            "PYTEST_XDIST_WORKER": os.environ.get("PYTEST_XDIST_WORKER", "main"),
            "PYTHONUNBUFFERED": "1",
        }
    )
    processes = [DaphneProcess("A", env, tmp_path), DaphneProcess("B", env, tmp_path)]
    try:
        for process in processes:
            process.wait_until_healthy()
        yield processes
    finally:
        for process in processes:
            process.stop()


def _receive(ws, wanted: str, timeout: float = 10.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"no {wanted!r} event within {timeout}s")
        event = json.loads(ws.recv(timeout=remaining))
        if event["type"] == wanted:
            return event


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
            assert _receive(ws, "ready")["data"]["last_seq"] == seen

        # both processes count the same two viewers
        deadline = time.monotonic() + 10
        while _receive(reader, "viewers")["data"]["count"] != 2:
            assert time.monotonic() < deadline

        writer.send(json.dumps({"type": "reply", "body": "Geschrieben über Prozess A."}))
        saved = _receive(writer, "reply.saved")
        assert saved["data"]["status"] == "approved", process_a.log()

        event = _receive(reader, "post.created")
        assert event["seq"] == seen + 1
        assert event["data"]["post_id"] == saved["data"]["post_id"]
        assert "Geschrieben über Prozess A." in event["html"]

    # and the change made in this (third) process reaches process B as well
    with connect(process_b.ws + path, origin="http://127.0.0.1", open_timeout=10) as reader:
        reader.send(json.dumps({"type": "resume", "seq": seen + 1}))
        _receive(reader, "ready")
        services.lock_thread(thread=thread, moderator=UserFactory(is_superuser=True, display_name="Admin Zwei"))
        assert _receive(reader, "thread.locked")["seq"] == seen + 2
