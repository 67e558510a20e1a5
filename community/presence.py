"""Who is watching a thread, as a number, and how often counters may be pushed.

Two backends with one async interface:

* ``MemoryPresence`` (no ``REDIS_URL``): a dict in this process. With the
  in-memory channel layer there is only one process, so that is the truth.
* ``RedisPresence`` (``REDIS_URL`` set): one sorted set per group,
  ``<cache prefix>:presence:<group>``, member = the connection's channel name (unique
  across processes), score = when the entry expires. Every connection
  refreshes its entry every ``REFRESH_SECONDS``; entries of a killed process
  stop being refreshed and fall out after ``TTL_SECONDS``, so no ghosts.

Counter pushes are batched: ``schedule_viewer_push(group)`` takes a short
lock per group (``SET NX PX`` in Redis, a timestamp in memory) and, if it got
the lock, pushes the count once after ``BATCH_SECONDS``. Changes that happen
while the lock is held are included in that push, so a group gets at most one
``viewers`` event per second, across all processes.

``Throttle`` is the per-connection limiter used for typing events.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref

from django.conf import settings

from hds_site import realtime

from . import events

logger = logging.getLogger(__name__)

TTL_SECONDS = 30
REFRESH_SECONDS = 10


def _prefix() -> str:
    """Redis keys share the cache's prefix (tests give each xdist worker its own)."""
    return str(settings.CACHES.get("default", {}).get("KEY_PREFIX") or "hds")


def batch_seconds() -> float:
    """Minimum distance between two counter pushes to one group."""
    return float(getattr(settings, "HDS_LIVE_COUNTER_BATCH_SECONDS", 1.0))


class Throttle:
    """At most one accepted call per ``interval`` seconds (per instance, i.e. per connection)."""

    def __init__(self, interval: float, clock=time.monotonic):
        self.interval = interval
        self.clock = clock
        self._last: float | None = None

    def allow(self) -> bool:
        now = self.clock()
        if self._last is not None and now - self._last < self.interval:
            return False
        self._last = now
        return True


class MemoryPresence:
    def __init__(self) -> None:
        self._entries: dict[str, dict[str, float]] = {}
        self._flush_until: dict[str, float] = {}

    async def join(self, group: str, conn_id: str) -> None:
        self._entries.setdefault(group, {})[conn_id] = time.time() + TTL_SECONDS

    refresh = join

    async def leave(self, group: str, conn_id: str) -> None:
        entries = self._entries.get(group)
        if entries is not None:
            entries.pop(conn_id, None)
            if not entries:
                self._entries.pop(group, None)

    async def count(self, group: str) -> int:
        now = time.time()
        entries = self._entries.get(group, {})
        for conn_id in [c for c, expires in entries.items() if expires <= now]:
            entries.pop(conn_id, None)
        return len(entries)

    async def acquire_flush(self, group: str, seconds: float) -> bool:
        now = time.monotonic()
        if self._flush_until.get(group, 0.0) > now:
            return False
        self._flush_until[group] = now + seconds
        return True


class RedisPresence:
    """Presence in Redis; one client per event loop (Daphne has one, tests make several)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._clients: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def _client(self):
        import redis.asyncio as aioredis

        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            client = aioredis.Redis.from_url(self.url, socket_timeout=2, socket_connect_timeout=2)
            self._clients[loop] = client
        return client

    async def join(self, group: str, conn_id: str) -> None:
        key = f"{_prefix()}:presence:{group}"
        client = self._client()
        async with client.pipeline(transaction=False) as pipe:
            pipe.zadd(key, {conn_id: time.time() + TTL_SECONDS})
            pipe.expire(key, TTL_SECONDS * 2)
            await pipe.execute()

    refresh = join

    async def leave(self, group: str, conn_id: str) -> None:
        await self._client().zrem(f"{_prefix()}:presence:{group}", conn_id)

    async def count(self, group: str) -> int:
        key = f"{_prefix()}:presence:{group}"
        client = self._client()
        async with client.pipeline(transaction=False) as pipe:
            pipe.zremrangebyscore(key, "-inf", time.time())
            pipe.zcard(key)
            _removed, count = await pipe.execute()
        return int(count)

    async def acquire_flush(self, group: str, seconds: float) -> bool:
        return bool(await self._client().set(f"{_prefix()}:presence-flush:{group}", "1", nx=True, px=max(1, int(seconds * 1000))))


_backend: MemoryPresence | RedisPresence | None = None
_backend_key: str | None = None
_pending: set[asyncio.Task] = set()


def get_presence() -> MemoryPresence | RedisPresence:
    """The backend for the current settings (Redis when REDIS_URL is set)."""
    global _backend, _backend_key
    url = getattr(settings, "REDIS_URL", None) or ""
    if _backend is None or _backend_key != url:
        _backend = RedisPresence(url) if url else MemoryPresence()
        _backend_key = url
    return _backend


def reset_presence() -> None:
    """Forget the backend (tests switch between in-memory and Redis)."""
    global _backend, _backend_key
    _backend = None
    _backend_key = None


async def viewer_count(group: str) -> int:
    return await get_presence().count(group)


async def schedule_viewer_push(group: str, channel_layer) -> None:
    """Push ``{"type": "viewers", "data": {"count": n}}`` to ``group`` soon, batched.

    The caller never waits for the push; errors (Redis gone) are logged, not raised.
    """
    window = batch_seconds()
    try:
        if not await get_presence().acquire_flush(group, window):
            return
    except Exception as exc:  # presence is decoration; never break a connection over it
        logger.warning("viewer count not pushed for %s: %s", group, exc.__class__.__name__)
        return

    async def push() -> None:
        await asyncio.sleep(window * 1.05)
        try:
            count = await get_presence().count(group)
        except Exception as exc:
            logger.warning("viewer count not pushed for %s: %s", group, exc.__class__.__name__)
            return
        await realtime.asend_event(group, realtime.Event.ephemeral(events.VIEWERS, {"count": count}), layer=channel_layer)

    task = asyncio.get_running_loop().create_task(push())
    _pending.add(task)
    task.add_done_callback(_pending.discard)
