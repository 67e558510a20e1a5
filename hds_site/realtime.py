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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.db.models import F

logger = logging.getLogger(__name__)

GROUP_MESSAGE_TYPE = "live_event"
REPLAY_LIMIT = 500

_outage = threading.Event()


# --- groups -----------------------------------------------------------------------------------


def group_name(kind: str, object_id: int) -> str:
    """The channel-layer group of one object: ``thread.7``, ``user.3``, ``campaign.12`` …"""
    return f"{kind}.{object_id}"


# --- event types and their declared data ----------------------------------------------------------
#
# Every app declares the events it sends in its own ``events.py`` with ``declare()``; the platform
# declares the protocol's control frames below. ``validate()`` checks an event against its
# declaration (tests/test_live_events_schema.py checks every event the test suite sends).

REPLAYABLE = "replayable"  # stored in the log with a seq, replayed on resume
EPHEMERAL = "ephemeral"  # sent to a group now or after commit, never stored (seq null)
CONTROL = "control"  # protocol frames to one socket (ready, resync, pong, error, replies)
KINDS = (REPLAYABLE, EPHEMERAL, CONTROL)

#: in a declared data spec: the key may be missing
OPTIONAL = object()


@dataclass(frozen=True)
class EventType:
    name: str
    kind: str
    data: Mapping[str, tuple]  # key → allowed value types (``None`` allowed as a type, ``OPTIONAL``)
    declared_in: str = ""


EVENT_TYPES: dict[str, EventType] = {}


def declare(name: str, kind: str, /, **data) -> str:
    """Declare an event type and the keys and value types of its ``data``; returns ``name``.

    ``declare("post.created", REPLAYABLE, thread_id=int, author_id=(int, None))``.
    A value is a type or a tuple of types; ``None`` allows null, ``OPTIONAL`` a missing key.
    """
    import inspect

    if kind not in KINDS:
        raise ValueError(f"unknown event kind {kind!r} for {name!r}")
    spec = {key: value if isinstance(value, tuple) else (value,) for key, value in data.items()}
    frame = inspect.currentframe()
    caller = frame.f_back if frame else None
    module = caller.f_globals.get("__name__", "") if caller else ""
    known = EVENT_TYPES.get(name)
    if known is not None and (known.kind, dict(known.data)) != (kind, spec):
        raise ValueError(f"event type {name!r} is declared twice, differently ({known.declared_in}, {module})")
    EVENT_TYPES[name] = EventType(name, kind, spec, module)
    return name


def _type_ok(value, allowed: tuple) -> bool:
    for expected in allowed:
        if expected is OPTIONAL:
            continue
        if expected is None:
            if value is None:
                return True
        elif expected is int and isinstance(value, bool):
            continue  # True is an int in Python, not in the protocol
        elif isinstance(value, expected):
            return True
    return False


_discovered = False


def declared_types() -> dict[str, EventType]:
    """Every declared event type: the ``events`` module of each installed app is imported once."""
    global _discovered
    if not _discovered:
        from django.utils.module_loading import autodiscover_modules

        autodiscover_modules("events")
        _discovered = True
    return EVENT_TYPES


def validate(envelope: Mapping) -> list[str]:
    """What is wrong with an envelope against its declaration ([] when it matches)."""
    declared_types()
    kind = envelope.get("type")
    declared = EVENT_TYPES.get(kind) if isinstance(kind, str) else None
    if declared is None:
        return [f"undeclared event type {kind!r}"]
    problems = []
    seq = envelope.get("seq")
    if declared.kind == REPLAYABLE and seq is not None and (isinstance(seq, bool) or not isinstance(seq, int)):
        problems.append(f"{kind}: seq {seq!r} is not an integer")
    if declared.kind != REPLAYABLE and seq is not None:
        problems.append(f"{kind}: a {declared.kind} event has seq {seq!r}, not null")
    data = envelope.get("data") or {}
    if not isinstance(data, Mapping):
        return problems + [f"{kind}: data is {type(data).__name__}, not an object"]
    for key in data.keys() - declared.data.keys():
        problems.append(f"{kind}: undeclared data key {key!r}")
    for key, allowed in declared.data.items():
        if key not in data:
            if OPTIONAL not in allowed:
                problems.append(f"{kind}: data key {key!r} is missing")
        elif not _type_ok(data[key], allowed):
            problems.append(f"{kind}: data[{key!r}] = {data[key]!r:.60} is not {allowed}")
    return problems


# the protocol's own frames (docs/realtime.md, "Ephemeral frames")
READY = declare("ready", CONTROL, last_seq=int)
RESYNC = declare("resync", CONTROL, last_seq=int)
PONG = declare("pong", CONTROL)
ERROR = declare("error", CONTROL)  # code and message stand beside type, not in data


# --- the event value ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """One live event. Build it with ``replayable()``, ``ephemeral()`` or ``control()``;
    ``envelope()`` is the one JSON object a client receives."""

    type: str
    kind: str
    data: Mapping | None = None
    html: str = ""
    seq: int | None = None
    fields: Mapping = field(default_factory=dict)  # control frames: top-level extras (error code, message)

    @classmethod
    def replayable(cls, type: str, data: Mapping | None = None, html: str = "", *, seq: int | None = None) -> Event:
        return cls(type, REPLAYABLE, data or {}, html or "", seq)

    @classmethod
    def ephemeral(cls, type: str, data: Mapping | None = None, html: str = "") -> Event:
        return cls(type, EPHEMERAL, data or {}, html or "")

    @classmethod
    def control(cls, type: str, data: Mapping | None = None, **fields) -> Event:
        """A protocol frame for one socket: ``{"type", "seq": null[, "data"][, fields…]}``, no html."""
        return cls(type, CONTROL, data, "", None, fields)

    def envelope(self) -> dict:
        if self.kind == CONTROL:
            out: dict = {"type": self.type, "seq": None}
            if self.data is not None:
                out["data"] = dict(self.data)
            out.update(self.fields)
            return out
        return {"type": self.type, "seq": self.seq, "data": dict(self.data or {}), "html": self.html or ""}


def group_message(event: Event, *, sender: str | None = None) -> dict:
    """The channel-layer message that carries ``event`` to a group's consumers (``live_event()``)."""
    message: dict = {"type": GROUP_MESSAGE_TYPE, "event": event.envelope()}
    if sender:
        message["sender"] = sender
    return message


#: called with (group, envelope) for every event sent to a group or recorded in the log;
#: tests/conftest.py checks each against its declaration
observers: list[Callable[[str, dict], None]] = []


def observe(group: str, envelope: dict) -> None:
    """Tell the observers about an event leaving for ``group`` (or being recorded for it)."""
    for observer in list(observers):
        observer(group, envelope)


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


def _send(group: str, event: Event) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, group_message(event))
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
        row = LiveEvent.objects.create(group=group, seq=seq, type=type, data=data or {}, html=html or "")
        event = row.event()
        observe(group, event.envelope())
        transaction.on_commit(lambda: _send(group, event))
    return event.envelope()


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
        sends = [(row.group, row.event()) for row in rows]
        for group, event in sends:
            observe(group, event.envelope())
        transaction.on_commit(lambda: _send_many(sends))
    return [event.envelope() for _, event in sends]


def _send_many(sends: list[tuple[str, Event]]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return

    async def send_all():
        for group, event in sends:
            await layer.group_send(group, group_message(event))

    try:
        async_to_sync(send_all)()
    except Exception as exc:  # as in _send: clients catch up from the log when they reconnect
        layer_unreachable(exc)
        return
    layer_reachable()


def broadcast(group: str, type: str, data: dict | None = None, html: str = "") -> None:
    """Send an ephemeral (never replayed) event after the current transaction commits."""
    event = Event.ephemeral(type, data, html)
    observe(group, event.envelope())
    transaction.on_commit(lambda: _send(group, event))


def send_now(group: str, type: str, data: dict | None = None, html: str = "") -> None:
    """Send an ephemeral event immediately (for code outside any transaction, e.g. consumers)."""
    send_event_now(group, Event.ephemeral(type, data, html))


def send_event_now(group: str, event: Event) -> None:
    """``send_now`` for an event built already (e.g. ``campaigns.live.count_event``)."""
    observe(group, event.envelope())
    _send(group, event)


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
    await asend_event(group, Event.ephemeral(type, data, html), exclude=exclude)


async def asend_event(group: str, event: Event, *, exclude: str | None = None, layer=None) -> bool:
    """Send ``event`` to ``group`` from async code, now; True if the channel layer took it.

    An unreachable layer is logged once per outage (as for ``publish``), other
    failures as a warning; neither is raised.
    """
    layer = layer or get_channel_layer()
    if layer is None:
        return False
    observe(group, event.envelope())
    try:
        await layer.group_send(group, group_message(event, sender=exclude))
    except UNREACHABLE as exc:
        layer_unreachable(exc)
    except Exception as exc:
        logger.warning("live event %s not sent to %s: %s", event.type, group, exc.__class__.__name__)
    else:
        layer_reachable()
        return True
    return False


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
