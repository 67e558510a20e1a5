"""Real server processes for the fault and multi-process tests: Redis, PostgreSQL and Daphne on loopback.

Each helper starts its own process on a free port (so pytest-xdist workers and
other test runs never collide), can stop and start it again on the *same*
port (a restart, as in production), and never touches the shared servers.
Everything is bounded in time: a process that does not come up in time fails
the test with its log.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

__all__ = ["BASE_DIR", "Daphne", "RedisServer", "PostgresServer", "free_port", "database_url", "procfile_web_command",
           "receive", "two_daphnes"]

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DAPHNE_SETTINGS = "tests.faults.daphne_settings"
STARTUP_TIMEOUT = 60


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(connection) -> str:
    """The URL of the database ``connection`` talks to (the pytest-django test database)."""
    s = connection.settings_dict
    auth = quote(s["USER"] or "postgres")
    if s.get("PASSWORD"):
        auth += ":" + quote(s["PASSWORD"])
    return f"postgres://{auth}@{s.get('HOST') or '127.0.0.1'}:{s.get('PORT') or 5432}/{s['NAME']}"


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _wait(condition, what: str, timeout: float, log=lambda: "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} within {timeout}s\n{log()}")
        time.sleep(0.1)


# --- Daphne ----------------------------------------------------------------------------


def daphne_env(*, database_url: str, redis_url: str | None, **extra: str) -> dict:
    """Environment for a Daphne process of the fault tests (test settings, logging to its output)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_CURRENT")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": DAPHNE_SETTINGS,
            "DATABASE_URL": database_url,
            # the test settings derive the channel-layer prefix from the xdist worker: share ours
            "PYTEST_XDIST_WORKER": os.environ.get("PYTEST_XDIST_WORKER", "main"),
            "PYTHONUNBUFFERED": "1",
        }
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    else:
        env.pop("REDIS_URL", None)
    env.update(extra)
    return env


def _daphne() -> str:
    candidate = BASE_DIR / ".venv" / "bin" / "daphne"
    return str(candidate) if candidate.exists() else str(Path(sys.executable).parent / "daphne")


def procfile_web_command(port: int) -> list[str]:
    """The Procfile's web process, exactly as production runs it, bound to loopback on ``port``."""
    line = next(line for line in (BASE_DIR / "Procfile").read_text().splitlines() if line.startswith("web:"))
    args = line.split(":", 1)[1].split()
    assert args[0] == "daphne", line
    args[0] = _daphne()
    return [{"$PORT": str(port), "0.0.0.0": "127.0.0.1"}.get(arg, arg) for arg in args]


class Daphne:
    """A Daphne process serving hds_site.asgi on a free loopback port, its output in ``log_dir``.

    ``procfile=True`` starts the Procfile's web command (its options included) instead of a bare Daphne.
    """

    def __init__(self, name: str, env: dict, log_dir: Path, *, procfile: bool = False):
        self.name = name
        self.port = free_port()
        self.log_path = log_dir / f"daphne-{name}.log"
        command = (procfile_web_command(self.port) if procfile
                   else [_daphne(), "-b", "127.0.0.1", "-p", str(self.port), "hds_site.asgi:application"])
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait_until_healthy(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Daphne {self.name} exited:\n{self.log()}")
            try:
                with urllib.request.urlopen(f"{self.http}/healthz", timeout=2) as response:
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

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers, sockets simply drop."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def alive(self) -> bool:
        return self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""

    def full_log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


@contextmanager
def two_daphnes(
    postgres, redis_url: str, log_dir: Path, *, settings_module: str = DAPHNE_SETTINGS
) -> Iterator[list[Daphne]]:
    """Daphne processes A and B on the test database of ``postgres`` and on ``redis_url``.

    Both start at once; on entry both answer /healthz, on exit both are stopped
    (also when the test fails or a process did not come up).
    """
    env = daphne_env(database_url=database_url(postgres), redis_url=redis_url, DJANGO_SETTINGS_MODULE=settings_module)
    processes: list[Daphne] = []
    try:
        for name in ("A", "B"):
            processes.append(Daphne(name, env, log_dir))
        for process in processes:
            process.wait_until_healthy()
        yield processes
    finally:
        for process in processes:
            process.stop()


# --- Redis -----------------------------------------------------------------------------


class RedisServer:
    """A private redis-server (no persistence) that can be stopped and started on its port."""

    def __init__(self, log_dir: Path, port: int | None = None):
        self.binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.port = port or free_port()
        self.log_path = log_dir / f"redis-{self.port}.log"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 15) -> None:
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "no"],
            stdout=log, stderr=subprocess.STDOUT,
        )
        log.close()
        _wait(self._answers, f"redis-server did not answer on port {self.port}", timeout, self.log)

    def _answers(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"redis-server exited:\n{self.log()}")
        import redis

        try:
            return redis.Redis(port=self.port, socket_timeout=0.5, socket_connect_timeout=0.5).ping()
        except redis.RedisError:
            return False

    def stop(self) -> None:
        """Stop it for good (SIGKILL: an outage, not a shutdown); the port is closed when this returns."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        _wait(lambda: not _port_open(self.port), f"port {self.port} still open", 10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-2000:] if self.log_path.exists() else ""


# --- PostgreSQL ------------------------------------------------------------------------


def _pg_bin(name: str) -> str:
    for candidate in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True):
        return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} not found (PostgreSQL server binaries are needed for this test)")
    return found


class PostgresServer:
    """A private PostgreSQL cluster in a temporary directory (trust auth, loopback only).

    As root the cluster runs as the ``postgres`` user (``runuser``), as PostgreSQL
    refuses to run as root.
    """

    def __init__(self, port: int | None = None):
        self.port = port or int(os.environ.get("HDS_FAULT_PG_PORT") or free_port())
        # not under pytest's tmp_path: every pytest run resets /tmp/pytest-of-<user> to 0700, which would lock
        # the postgres user out of its own cluster in the middle of a test
        self.base_dir = Path(tempfile.mkdtemp(prefix="hds-fault-pg-"))
        self.data_dir = self.base_dir / "data"
        self.log_path = self.base_dir / "postgres.log"
        self.as_root = os.geteuid() == 0

    def _run(self, *args: str, timeout: float = 60) -> None:
        command = list(args)
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}\n{self.log()}")

    def init(self) -> None:
        if self.as_root:
            shutil.chown(self.base_dir, user="postgres")
        self._run(_pg_bin("initdb"), "-D", str(self.data_dir), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")

    def remove(self) -> None:
        """Stop the server if it runs and delete the cluster."""
        if self.running():
            self.stop("immediate")
        shutil.rmtree(self.base_dir, ignore_errors=True)

    def start(self) -> None:
        # fsync=off is safe for these tests: they kill the server process (pg_ctl -m immediate), not the
        # machine, and what was written to the OS survives. synchronous_commit must stay on: with it off,
        # a COMMIT answers before its WAL is written, so a crash loses transactions the client was told
        # had committed (a signature answered 200 and then missing, seen in CI).
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.base_dir} -c fsync=off "
                   "-c full_page_writes=off -c max_connections=60")
        self._run(_pg_bin("pg_ctl"), "-D", str(self.data_dir), "-l", str(self.log_path), "-o", options, "-w",
                  "-t", "60", "start", timeout=90)

    def stop(self, mode: str = "fast") -> None:
        """``fast``: running transactions are rolled back and connections cut (a restart);
        ``immediate``: the server process dies without a checkpoint (a crash)."""
        self._run(_pg_bin("pg_ctl"), "-D", str(self.data_dir), "-m", mode, "-w", "-t", "60", "stop", timeout=90)

    def running(self) -> bool:
        return (self.data_dir / "postmaster.pid").exists()

    def url(self, dbname: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{dbname}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:] if self.log_path.exists() else ""


# --- WebSocket ------------------------------------------------------------------------


def receive(ws, wanted: str, timeout: float = 10.0) -> dict:
    """The next event of type ``wanted`` (others are skipped)."""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"no {wanted!r} event within {timeout}s")
        event = json.loads(ws.recv(timeout=remaining))
        if event["type"] == wanted:
            return event


# --- HTTP -------------------------------------------------------------------------------

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Browser:
    """A cookie-keeping HTTP client that fills in the CSRF token like a browser submitting a form."""

    def __init__(self, base: str, cookies: dict | None = None, timeout: float = 30):
        import requests

        self.base = base
        self.session = requests.Session()
        self.timeout = timeout
        for name, value in (cookies or {}).items():
            self.session.cookies.set(name, value, domain="127.0.0.1")

    def get(self, path: str, **kwargs):
        return self.session.get(self.base + path, timeout=self.timeout, allow_redirects=False, **kwargs)

    def csrf_token(self, form_path: str) -> str:
        """The CSRF token of the form on ``form_path`` (its cookie stays in this browser)."""
        page = self.get(form_path)
        assert page.status_code == 200, (form_path, page.status_code, page.text[:500])
        token = CSRF_FIELD.search(page.text)
        assert token, f"no CSRF token on {form_path}"
        return token.group(1)

    def post(self, path: str, data: dict, token: str):
        return self.session.post(
            self.base + path, data={**data, "csrfmiddlewaretoken": token}, timeout=self.timeout, allow_redirects=False
        )

    def submit(self, form_path: str, data: dict, action: str | None = None):
        """GET the page with the form, then POST ``data`` (plus its CSRF token) to ``action``."""
        page = self.get(form_path)
        assert page.status_code == 200, (form_path, page.status_code, page.text[:500])
        token = CSRF_FIELD.search(page.text)
        assert token, f"no CSRF token on {form_path}"
        return self.session.post(
            self.base + (action or form_path), data={**data, "csrfmiddlewaretoken": token.group(1)},
            timeout=self.timeout, allow_redirects=False,
        )


def session_cookie(user) -> dict:
    """A logged-in session for ``user`` (stored in the database the Daphne processes share)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}
