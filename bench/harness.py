"""Shared machinery of the benchmarks: environment checks, databases, Daphne
processes, a small HTTP/1.1 client over loopback, percentiles, alternating
measurement and the results writer.

Nothing here imports Django at module level: ``__main__`` checks the
environment first and only then sets Django up with ``bench.settings``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import json
import os
import platform
import resource
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
RESULTS_DIR = BENCH_DIR / "results"
VENV_BIN = Path(sys.executable).parent
MACHINA_VENV = BENCH_DIR / ".machina-venv"

HDS_DB = "hds_bench"
HDS_TEMPLATE_DB = "hds_bench_template"
MACHINA_DB = "hds_bench_machina"
REDIS_DB = 8


class BenchError(RuntimeError):
    """A benchmark cannot run (missing service, failed setup): message for the user."""


# --- environment -------------------------------------------------------------------


@dataclass
class Env:
    database_url: str  # the server (our bench database names replace the name)
    redis_url: str  # redis db 8 on the same server

    def db_url(self, name: str) -> str:
        parts = urlsplit(self.database_url)
        return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, ""))


def check_env() -> Env:
    """DATABASE_URL (PostgreSQL) and REDIS_URL must be set and reachable."""
    missing = [n for n in ("DATABASE_URL", "REDIS_URL") if not os.environ.get(n, "").strip()]
    if missing:
        raise BenchError(
            "make bench needs PostgreSQL and Redis. Unset: " + ", ".join(missing) + ".\n"
            "  e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres "
            "REDIS_URL=redis://127.0.0.1:6379/8 make bench\n"
            f"  (the bench uses its own databases {HDS_DB}, {HDS_TEMPLATE_DB}, {MACHINA_DB} on that server "
            f"and Redis db {REDIS_DB}; the database name in DATABASE_URL is only used to connect)"
        )
    db = os.environ["DATABASE_URL"].strip()
    if not db.startswith(("postgres://", "postgresql://")):
        raise BenchError(f"DATABASE_URL must point to PostgreSQL (got scheme {db.split(':', 1)[0]!r}).")
    rparts = urlsplit(os.environ["REDIS_URL"].strip())
    redis_url = urlunsplit((rparts.scheme, rparts.netloc, f"/{REDIS_DB}", "", ""))
    env = Env(database_url=db, redis_url=redis_url)
    import psycopg

    try:
        with psycopg.connect(env.db_url("postgres"), connect_timeout=5) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:
        raise BenchError(f"PostgreSQL at DATABASE_URL is unreachable: {exc.__class__.__name__}: {exc}".strip()) from exc
    import redis

    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=5).ping()
    except Exception as exc:
        raise BenchError(f"Redis at REDIS_URL is unreachable: {exc.__class__.__name__}: {exc}") from exc
    for host in (urlsplit(db).hostname, rparts.hostname):
        if host not in ("127.0.0.1", "localhost", "::1", None, ""):
            print(f"note: {host} is not loopback; the benchmark traffic to it leaves this machine", file=sys.stderr)
    return env


def raise_fd_limit(want: int = 65536) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = min(want, hard) if hard != resource.RLIM_INFINITY else want
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def flush_redis(env: Env) -> None:
    import redis

    redis.Redis.from_url(env.redis_url).flushdb()


def settle(env: Env, db: str = HDS_DB) -> None:
    """Before each benchmark: what the servers would have done by themselves in the meantime.

    ``VACUUM ANALYZE`` of the bench database (autovacuum; this machine's
    server runs with it off) and a ``CHECKPOINT``, so that the dirty pages one
    benchmark's data loading left behind are not written out during the next
    one's commits (the signing burst ran 20 % slower right after the
    thread-page and fan-out loads). A server that refuses CHECKPOINT (not a
    superuser) only skips it.
    """
    import psycopg

    with psycopg.connect(env.db_url(db), autocommit=True, connect_timeout=5) as conn:
        conn.execute("VACUUM ANALYZE")
        try:
            conn.execute("CHECKPOINT")
        except psycopg.Error:
            pass


# --- databases -----------------------------------------------------------------------


def _admin_conn(env: Env):
    import psycopg

    return psycopg.connect(env.db_url("postgres"), autocommit=True, connect_timeout=5)


def database_exists(env: Env, name: str) -> bool:
    with _admin_conn(env) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def drop_database(env: Env, name: str) -> None:
    with _admin_conn(env) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def create_database(env: Env, name: str, template: str | None = None) -> None:
    drop_database(env, name)
    with _admin_conn(env) as conn:
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))


def migrations_fingerprint() -> str:
    """Changes when any migration of the project changes (then the template is rebuilt)."""
    h = hashlib.sha256()
    for path in sorted(ROOT.glob("*/migrations/*.py")) + sorted(ROOT.glob("hds_site/*/migrations/*.py")):
        h.update(str(path.relative_to(ROOT)).encode())
        h.update(path.read_bytes())
    req = ROOT / "requirements.txt"
    h.update(req.read_bytes())
    return h.hexdigest()[:16]


# --- statistics ----------------------------------------------------------------------


def percentile(values, p: float) -> float | None:
    """Nearest-rank percentile (p in 0..100); None for no values."""
    data = sorted(values)
    if not data:
        return None
    k = max(0, min(len(data) - 1, int(-(-p * len(data) // 100)) - 1))
    return data[k]


def summary_ms(seconds) -> dict:
    ms = [s * 1000 for s in seconds]
    if not ms:
        return {"n": 0}
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 2),
        "p95_ms": round(percentile(ms, 95), 2),
        "p99_ms": round(percentile(ms, 99), 2),
        "mean_ms": round(statistics.fmean(ms), 2),
        "max_ms": round(max(ms), 2),
    }


def ratio(ours: float | None, base: float | None) -> float | None:
    if not ours or not base:
        return None
    return round(ours / base, 3)


async def alternate(ours, baseline, rounds: int, *, warmup: int = 3) -> tuple[list[float], list[float]]:
    """ABAB…: await ``ours()`` and ``baseline()`` in turn (each returns seconds), after a warm-up.

    The order inside a pair flips every round so neither side always goes first.
    """
    for _ in range(warmup):
        await ours()
        await baseline()
    a, b = [], []
    for i in range(rounds):
        if i % 2 == 0:
            a.append(await ours())
            b.append(await baseline())
        else:
            b.append(await baseline())
            a.append(await ours())
    return a, b


# --- machine and results -------------------------------------------------------------


def _versions() -> dict:
    from importlib import metadata

    names = ["Django", "wagtail", "channels", "daphne", "channels-redis", "psycopg", "redis", "websockets", "Twisted"]
    out = {}
    for n in names:
        try:
            out[n] = metadata.version(n)
        except metadata.PackageNotFoundError:
            pass
    return out


def machine(env: Env | None = None) -> dict:
    info = {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": _cpu_model(),
        "memory_mb": _mem_total_mb(),
        "versions": _versions(),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    if env is not None:
        try:
            with _admin_conn(env) as conn:
                info["postgresql"] = conn.execute("SHOW server_version").fetchone()[0]
            import redis

            info["redis"] = redis.Redis.from_url(env.redis_url).info("server").get("redis_version")
        except Exception:
            pass
    return info


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def _mem_total_mb() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return int(line.split()[1]) // 1024
    except OSError:
        return None
    return None


def write_result(name: str, payload: dict, env: Env | None = None) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    payload = {"benchmark": name, **payload, "machine": machine(env)}
    path = RESULTS_DIR / f"{name}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n")
    tmp.replace(path)
    return path


def print_table(rows: list[list], headers: list[str]) -> str:
    cells = [[("" if c is None else str(c)) for c in r] for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=False))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False)) for r in cells]
    text = "\n".join(out)
    print(text, flush=True)
    return text


# --- processes -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A Daphne process on 127.0.0.1 (ours or machina's), started and stopped by the bench."""

    name: str
    argv: list[str]
    env: dict
    port: int
    proc: subprocess.Popen | None = None
    log_path: Path | None = None
    extra: dict = field(default_factory=dict)

    def start(self, timeout: float = 60) -> Server:
        RESULTS_DIR.mkdir(parents=True, exist_ok=True)
        self.log_path = Path(f"/tmp/hds-bench-{self.name}-{self.port}.log")
        log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            self.argv, env=self.env, cwd=str(ROOT), stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, resource.getrlimit(resource.RLIMIT_NOFILE)),
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"{self.name} exited during start-up (code {self.proc.returncode}); log: {self.log_path}\n"
                                 + self.log_tail())
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise BenchError(f"{self.name} did not listen on port {self.port} within {timeout:.0f} s; log: {self.log_path}")

    def log_tail(self, n: int = 2000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-n:]
        except Exception:
            return ""

    def peak_rss_mb(self) -> float | None:
        """VmHWM (peak resident set size) of the Daphne process, from /proc."""
        if self.proc is None:
            return None
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
        except OSError:
            return None
        return None

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def hds_server_env(env: Env, **extra) -> dict:
    e = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "REDIS_URL")}
    e.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DATABASE_URL=env.db_url(HDS_DB),
        REDIS_URL=env.redis_url,
        PYTHONPATH=str(ROOT),
        LOG_LEVEL="WARNING",
    )
    e.update({k: str(v) for k, v in extra.items()})
    return e


def hds_server(env: Env, name: str = "hds", **extra) -> Server:
    port = free_port()
    argv = [str(VENV_BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port), "bench.asgi:application"]
    return Server(name=name, argv=argv, env=hds_server_env(env, **extra), port=port)


# --- a small HTTP/1.1 client (asyncio streams, loopback) -----------------------------


@dataclass
class Response:
    status: int
    headers: dict
    body: bytes
    cookies: dict
    seconds: float

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


async def http(
    method: str,
    url: str,
    *,
    data: dict | None = None,
    cookies: dict | None = None,
    headers: dict | None = None,
    timeout: float = 30.0,
) -> Response:
    """One request on a fresh connection (``Connection: close``); the whole exchange is timed."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    body = urlencode(data or {}, doseq=True).encode() if data is not None else b""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {parts.hostname}:{parts.port}", "Connection: close",
             "User-Agent: hds-bench", "Accept: text/html"]
    if cookies:
        lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()))
    if data is not None:
        lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
    for k, v in (headers or {}).items():
        lines.append(f"{k}: {v}")
    raw = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
    t0 = time.perf_counter()

    async def exchange():
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        try:
            writer.write(raw)
            await writer.drain()
            return await reader.read()
        finally:
            writer.close()

    resp = await asyncio.wait_for(exchange(), timeout)
    seconds = time.perf_counter() - t0
    head, _, payload = resp.partition(b"\r\n\r\n")
    head_lines = head.decode("latin-1").split("\r\n")
    status = int(head_lines[0].split()[1])
    hdrs, jar = {}, {}
    for line in head_lines[1:]:
        k, _, v = line.partition(":")
        k, v = k.strip().lower(), v.strip()
        if k == "set-cookie":
            name, _, rest = v.partition("=")
            jar[name] = rest.split(";", 1)[0]
        hdrs[k] = v
    if hdrs.get("transfer-encoding", "").lower() == "chunked":
        payload = _dechunk(payload)
    return Response(status, hdrs, payload, jar, seconds)


def _dechunk(data: bytes) -> bytes:
    out, i = bytearray(), 0
    while i < len(data):
        j = data.index(b"\r\n", i)
        size = int(data[i:j].split(b";")[0], 16)
        if size == 0:
            break
        out += data[j + 2 : j + 2 + size]
        i = j + 2 + size + 2
    return bytes(out)


def csrf_pair() -> tuple[dict, str]:
    """A CSRF cookie and the matching form token (Django accepts the unmasked 32-character secret)."""
    token = secrets.token_hex(16)
    return {"csrftoken": token}, token


async def gather_bounded(coros, limit: int):
    """Run coroutines with at most ``limit`` in flight; results in order (exceptions returned)."""
    sem = asyncio.Semaphore(limit)

    async def run(c):
        async with sem:
            try:
                return await c
            except Exception as exc:  # a failed request is a result, not a crash of the bench
                return exc

    return await asyncio.gather(*(run(c) for c in coros))
