"""Live events: publish after commit, replay on reconnect.

Envelope sent to clients (see docs/realtime.md)::

    {"type": "post.created", "seq": 412, "data": {...}, "html": "..."}

* ``publish()`` records the event in the database inside the caller's
  transaction (so it exists exactly when the change exists) and sends it to the
  channel-layer group only after the transaction commits.
* ``events_since()`` returns what a reconnecting client missed, in order.
* ``broadcast()`` is for ephemeral events (typing, viewer and signature
  counters) that are never replayed: also sent after commit, no ``seq``.

Consumers receive group messages with the handler ``live_event`` and forward
``message["event"]`` to the socket.

If the channel layer is unreachable (Redis down) the write still succeeds:
the failure is logged once per outage and clients catch up from the log when
they reconnect.
"""

from __future__ import annotations

import logging
import threading

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.db.models import F

logger = logging.getLogger(__name__)

GROUP_MESSAGE_TYPE = "live_event"
REPLAY_LIMIT = 500

_outage = threading.Event()


def _unreachable_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [ConnectionError, TimeoutError]
    try:
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.exceptions import TimeoutError as RedisTimeoutError
    except ImportError:  # pragma: no cover - redis is a dependency of channels-redis
        pass
    else:
        errors += [RedisConnectionError, RedisTimeoutError]
    return tuple(errors)


#: what a channel layer raises while its server (Redis) is unreachable
UNREACHABLE = _unreachable_errors()


def layer_unreachable(exc: BaseException) -> None:
    """Note that the channel layer failed; logged once per outage, in every process."""
    if not _outage.is_set():
        _outage.set()
        logger.warning("live events paused: channel layer unreachable (%s)", exc.__class__.__name__)


def layer_reachable() -> None:
    """Note that the channel layer answered again (logged once, at the end of an outage)."""
    if _outage.is_set():
        _outage.clear()
        logger.warning("live events resumed: channel layer reachable again")


def _send(group: str, event: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, {"type": GROUP_MESSAGE_TYPE, "event": event})
    except Exception as exc:  # the channel layer is an optional accelerator, never a reason to fail a write
        layer_unreachable(exc)
        return
    layer_reachable()


def publish(group: str, type: str, data: dict | None = None, html: str = "") -> dict:
    """Record a replayable event for ``group`` and send it after commit.

    Must be called by the service function that made the change, inside its
    transaction (``transaction.atomic`` is opened here if there is none).
    Returns the envelope.
    """
    from hds_site.models import LiveEvent, LiveStream

    with transaction.atomic():
        LiveStream.objects.get_or_create(group=group)
        stream = LiveStream.objects.select_for_update().get(group=group)
        LiveStream.objects.filter(pk=stream.pk).update(last_seq=F("last_seq") + 1)
        seq = stream.last_seq + 1
        event = LiveEvent.objects.create(group=group, seq=seq, type=type, data=data or {}, html=html or "")
        envelope = event.envelope()
        transaction.on_commit(lambda: _send(group, envelope))
    return envelope


def broadcast(group: str, type: str, data: dict | None = None, html: str = "") -> None:
    """Send an ephemeral (never replayed) event after the current transaction commits."""
    envelope = {"type": type, "seq": None, "data": data or {}, "html": html or ""}
    transaction.on_commit(lambda: _send(group, envelope))


def send_now(group: str, type: str, data: dict | None = None, html: str = "") -> None:
    """Send an ephemeral event immediately (for code outside any transaction, e.g. consumers)."""
    _send(group, {"type": type, "seq": None, "data": data or {}, "html": html or ""})


def last_seq(group: str) -> int:
    from hds_site.models import LiveStream

    return LiveStream.objects.filter(group=group).values_list("last_seq", flat=True).first() or 0


def events_since(group: str, seq: int, limit: int = REPLAY_LIMIT) -> list[dict]:
    """Events of ``group`` with a sequence number above ``seq``, oldest first."""
    from hds_site.models import LiveEvent

    rows = LiveEvent.objects.filter(group=group, seq__gt=seq).order_by("seq")[:limit]
    return [row.envelope() for row in rows]


async def asend(group: str, type: str, data: dict | None = None, html: str = "", *, exclude: str | None = None) -> None:
    """Send an ephemeral event from async code (consumers), now.

    ``exclude`` names a channel (the sender's) that should not get the event back;
    consumers compare it with their ``channel_name``.
    """
    layer = get_channel_layer()
    if layer is None:
        return
    message = {"type": GROUP_MESSAGE_TYPE, "event": {"type": type, "seq": None, "data": data or {}, "html": html or ""}}
    if exclude:
        message["sender"] = exclude
    try:
        await layer.group_send(group, message)
    except UNREACHABLE as exc:
        layer_unreachable(exc)
    except Exception as exc:
        logger.warning("live event %s not sent to %s: %s", type, group, exc.__class__.__name__)
    else:
        layer_reachable()


#: close code for "live updates are unavailable for a moment": the client reconnects and resumes
CLOSE_UNAVAILABLE = 4503


class ChannelLayerGuard:
    """ASGI middleware for WebSocket consumers: a channel-layer outage closes the socket.

    When Redis goes away, a consumer's channel-layer receive (or ``group_add``)
    raises and Channels would end the connection with 1011 and log a traceback
    for every open socket. Instead the outage is logged once (as for writes,
    see ``layer_unreachable``) and the socket is closed with
    ``CLOSE_UNAVAILABLE``; the browser reconnects with backoff and, once Redis
    is back, resumes from the last seq it saw (replayed from the event log).
    """

    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        closed = False

        async def tracking_send(message):
            nonlocal closed
            if message.get("type") == "websocket.close":
                closed = True
            await send(message)

        try:
            return await self.inner(scope, receive, tracking_send)
        except UNREACHABLE as exc:
            layer_unreachable(exc)
            if not closed:
                try:
                    await send({"type": "websocket.close", "code": CLOSE_UNAVAILABLE})
                except Exception:  # the client is gone already
                    pass
