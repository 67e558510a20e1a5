"""Live events: publish after commit, replay on reconnect.

Envelope sent to clients (see docs/realtime.md)::

    {"type": "post.created", "seq": 412, "data": {...}, "html": "..."}

* ``publish()`` records the event in the database inside the caller's
  transaction (so it exists exactly when the change exists) and sends it to the
  channel-layer group only after the transaction commits.
* ``events_since()`` returns what a reconnecting client missed, in order.
* ``restate_events()`` rewrites stored events whose content changed (hidden,
  deleted, edited posts; renamed or deleted members) in the transaction of the
  change: a replay shows the current state, never an earlier one.
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


def publish_many(events: list[tuple[str, str, dict | None, str]]) -> list[dict]:
    """``publish()`` for many ``(group, type, data, html)`` events in a constant number of queries.

    For fan-outs such as one notification per watcher of a thread: the streams
    are created if missing, locked in group order (so two fan-outs over
    overlapping groups cannot deadlock), numbered, and the events inserted in
    one statement; all are sent after commit. Returns the envelopes in the
    order given.
    """
    from hds_site.models import LiveEvent, LiveStream

    if not events:
        return []
    groups = sorted({group for group, *_ in events})
    with transaction.atomic():
        LiveStream.objects.bulk_create([LiveStream(group=group) for group in groups], ignore_conflicts=True)
        seqs = dict(
            LiveStream.objects.select_for_update().filter(group__in=groups).order_by("group").values_list("group", "last_seq")
        )
        rows = []
        for group, type, data, html in events:
            seqs[group] += 1
            rows.append(LiveEvent(group=group, seq=seqs[group], type=type, data=data or {}, html=html or ""))
        LiveStream.objects.bulk_update([LiveStream(group=group, last_seq=seq) for group, seq in seqs.items()], ["last_seq"])
        LiveEvent.objects.bulk_create(rows)
        sends = [(row.group, row.envelope()) for row in rows]
        transaction.on_commit(lambda: _send_many(sends))
    return [envelope for _, envelope in sends]


def _send_many(sends: list[tuple[str, dict]]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return

    async def send_all():
        for group, event in sends:
            await layer.group_send(group, {"type": GROUP_MESSAGE_TYPE, "event": event})

    try:
        async_to_sync(send_all)()
    except Exception as exc:  # as in _send: clients catch up from the log when they reconnect
        layer_unreachable(exc)
        return
    layer_reachable()


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


def replay_since(group: str, seq: int, limit: int = REPLAY_LIMIT) -> list[dict] | None:
    """Like ``events_since``, or None when the log no longer holds every event after ``seq``.

    Old events are pruned (``prune_events``): a client that resumes from before
    the oldest remaining event would otherwise get a silent gap. None tells the
    consumer to answer ``resync`` (the client reloads its state) instead.
    """
    events = events_since(group, seq, limit=limit)
    if events and events[0]["seq"] != seq + 1:
        return None  # the events right after the client's seq were pruned
    if not events and seq < last_seq(group):
        return None  # everything after the client's seq was pruned
    return events


# --- restating the log ----------------------------------------------------------------------
#
# The log never holds more than the pages show now. When content changes after its events were
# stored (a post is hidden, deleted or edited; a member is renamed or deletes the account), the
# service that makes the change calls ``restate_events`` in its transaction; the app's events.py
# knows which events carry the object and what they must carry now. Restated events keep their
# seq and type (a client that replays gets each change once, in order) and are not re-sent:
# clients that saw the old version live got the change itself as its own event.


def restate_events(
    *,
    key: str,
    values,
    restate,
    group: str | None = None,
    group_prefix: str | None = None,
    types=None,
    prepare=None,
) -> int:
    """Rewrite every stored event whose ``data[key]`` is one of ``values``; returns how many changed.

    ``restate(event)`` gets the stored envelope (``{"type", "seq", "data", "html", "group"}``) and
    returns the new ``(data, html)``, or None to keep the event as it is. Narrow the search with
    ``group`` (an exact group: uses the ``(group, seq)`` index) or ``group_prefix`` and ``types``.
    ``prepare(events)``, if given, sees all matching envelopes first (to render what they need in
    one batch instead of one query per event).
    Must run inside the transaction of the change (it opens one if there is none), so the log and
    the page change together.
    """
    from hds_site.models import LiveEvent

    values = list(values)
    if not values:
        return 0
    rows = LiveEvent.objects.filter(**{f"data__{key}__in": values})
    if group is not None:
        rows = rows.filter(group=group)
    elif group_prefix:
        rows = rows.filter(group__startswith=group_prefix)
    if types:
        rows = rows.filter(type__in=list(types))
    changed = []
    with transaction.atomic():
        found = [(row, {**row.envelope(), "group": row.group}) for row in rows.select_for_update().order_by("group", "seq")]
        if prepare is not None and found:
            prepare([envelope for _row, envelope in found])
        for row, envelope in found:
            result = restate(envelope)
            if result is None:
                continue
            data, html = result
            data, html = data or {}, html or ""
            if data != row.data or html != row.html:
                row.data, row.html = data, html
                changed.append(row)
        if changed:
            LiveEvent.objects.bulk_update(changed, ["data", "html"], batch_size=500)
    return len(changed)


def forget_group(group: str) -> int:
    """Delete every stored event of ``group`` and its stream (a deleted member's ``user.<id>``)."""
    from hds_site.models import LiveEvent, LiveStream

    with transaction.atomic():
        deleted = LiveEvent.objects.filter(group=group).delete()[0]
        LiveStream.objects.filter(group=group).delete()
    return deleted


def retention_days() -> int:
    from django.conf import settings

    return int(getattr(settings, "HDS_LIVE_EVENT_RETENTION_DAYS", 7))


def prune_events(*, older_than_days: int | None = None, batch_size: int = 5000) -> int:
    """Delete replayable events older than the retention period (default 7 days); returns how many.

    Deletes in batches (by primary key, found through the ``created_at`` index)
    so no long lock blocks ``publish()``. ``LiveStream.last_seq`` is kept: sequence
    numbers never restart, and a client from before the pruned range gets ``resync``.
    """
    from datetime import timedelta

    from django.utils import timezone

    from hds_site.models import LiveEvent

    days = retention_days() if older_than_days is None else older_than_days
    cutoff = timezone.now() - timedelta(days=days)
    deleted = 0
    while True:
        old = LiveEvent.objects.filter(created_at__lt=cutoff).order_by("created_at")
        ids = list(old.values_list("pk", flat=True)[:batch_size])
        if not ids:
            return deleted
        deleted += LiveEvent.objects.filter(pk__in=ids).delete()[0]


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
                except Exception:  # noqa: S110 — the client is gone already
                    pass
