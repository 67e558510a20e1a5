"""The one WebSocket protocol of every live socket (docs/realtime.md).

``LiveConsumer`` carries everything a socket shares: the handshake (accept,
then close with an application code when not allowed), joining exactly one
group, resume and replay from the event log, holding live events until the
client has resumed, gap filling, validation of client frames, the frame size
and flood limits, and error frames. An app's socket is a small subclass that
declares

* ``authorize()``: its group (``realtime.group_name(...)``) or a close code,
  asked through the app's own permission functions;
* ``handlers``: the client messages it accepts besides ``resume`` and ``ping``;
* optionally ``joined()`` / ``left()`` (presence, a first frame) and
  ``may_forward()`` (re-check access for events that can change it).

This module is platform code: it imports no app.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from hds_site import realtime
from hds_site.realtime import Event

logger = logging.getLogger(__name__)

# close codes (4000–4999 are for applications); the client does not reconnect after these
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_NOT_FOUND = 4404
CLOSE_TOO_MANY = 4429
CLOSE_ERROR = 4500

REPLAY_BATCH = realtime.REPLAY_LIMIT
REPLAY_MAX = 2000  # more missed events than this: the client should reload instead


def _setting(name: str, default):
    return getattr(settings, name, default)


def max_frame_bytes() -> int:
    return int(_setting("HDS_LIVE_MAX_FRAME_BYTES", 16 * 1024))


def resume_wait() -> float:
    """How long live events are held for a client that has not said ``resume`` yet."""
    return float(_setting("HDS_LIVE_RESUME_WAIT", 2.0))


FLOOD_WINDOW = 10.0  # seconds
FLOOD_LIMIT = 60  # frames per window; beyond: error frames; beyond twice: closed


def user_of(scope):
    """The signed-in, active member of a connection, or None."""
    user = scope.get("user")
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return None
    return user


def int_kwarg(scope, name: str) -> int | None:
    """An integer from the route (``<int:thread_id>``), or None."""
    try:
        return int(scope["url_route"]["kwargs"][name])
    except (KeyError, TypeError, ValueError):
        return None


class LiveConsumer(AsyncWebsocketConsumer):
    """One group per connection, replay on resume, validated client messages."""

    #: client message type → method name; subclasses extend
    handlers = {"resume": "handle_resume", "ping": "handle_ping"}

    #: refused connections: accept the handshake, then close with the code (browsers see the code);
    #: False closes before the handshake (the campaign socket always did; its clients rely on nothing else)
    accept_before_close = True

    #: answer a resume with ``ready`` once the replay is done (the campaign socket never did)
    sends_ready = True

    # --- lifecycle ---------------------------------------------------------

    async def __call__(self, scope, receive, send):
        try:
            await super().__call__(scope, receive, send)
        finally:
            # ended without a disconnect (the channel layer failed, see realtime.ChannelLayerGuard):
            # no presence refresh may outlive the connection
            for task in getattr(self, "tasks", []):
                task.cancel()

    async def connect(self):
        self.group: str | None = None
        self.sent_seq = 0
        self.awaiting_resume = True
        self.held: list[dict] = []
        self.frames: list[float] = []
        self.tasks: list[asyncio.Task] = []
        self.user = self.scope.get("user")
        try:
            outcome = await self.authorize()
        except Exception:
            logger.exception("live: authorising %s failed", self.scope.get("path"))
            outcome = CLOSE_ERROR
        if isinstance(outcome, int) and not self.accept_before_close:
            await self.close(code=outcome)
            return
        # accept first, then close: browsers only see application close codes after the handshake
        await self.accept()
        if isinstance(outcome, int):
            await self.close(code=outcome)
            return
        self.group = outcome
        await self.channel_layer.group_add(self.group, self.channel_name)
        self.groups.append(self.group)  # discarded by websocket_disconnect
        self.sent_seq = await database_sync_to_async(realtime.last_seq)(self.group)
        self._spawn(self._resume_timeout())
        await self.joined()

    async def disconnect(self, code):
        for task in getattr(self, "tasks", []):
            task.cancel()
        if getattr(self, "group", None):
            await self.left()

    async def authorize(self) -> str | int:
        """The group to join, or a close code."""
        raise NotImplementedError

    async def joined(self) -> None:
        """Called once the connection is in its group."""

    async def left(self) -> None:
        """Called when the connection closes after it joined its group."""

    def _spawn(self, coro) -> asyncio.Task:
        task = asyncio.get_running_loop().create_task(coro)
        self.tasks = [t for t in self.tasks if not t.done()] + [task]
        return task

    async def _resume_timeout(self):
        await asyncio.sleep(resume_wait())
        # through the channel layer, so it is handled in turn like every other message
        await self.channel_layer.send(self.channel_name, {"type": "live.resume_timeout"})

    async def live_resume_timeout(self, message):
        if self.awaiting_resume:
            await self._stop_holding()

    # --- sending -----------------------------------------------------------

    async def send_json(self, content: dict) -> None:
        await self.send(text_data=json.dumps(content, ensure_ascii=False, separators=(",", ":")))

    async def send_event(self, event: Event) -> None:
        envelope = event.envelope()
        realtime.observe(self.group or "", envelope)
        await self.send_json(envelope)

    async def send_error(self, code: str, message: str) -> None:
        await self.send_event(Event.control(realtime.ERROR, code=code, message=message))

    async def live_event(self, message):
        """Group message from hds_site.realtime (or presence): forward the envelope."""
        if self.group is None:
            return
        if message.get("sender") == self.channel_name:
            return  # our own ephemeral event (typing)
        event = message["event"]
        if not await self.may_forward(event):
            return
        await self.deliver(event)

    async def may_forward(self, event: dict) -> bool:
        """Re-check access for events that can change it. May close the socket."""
        return True

    async def deliver(self, event: dict) -> None:
        seq = event.get("seq")
        if not isinstance(seq, int):
            await self.send_json(event)  # ephemeral: typing, viewers
            return
        if self.awaiting_resume:
            self.held.append(event)
            return
        await self._deliver_in_order(event)

    async def _deliver_in_order(self, event: dict) -> None:
        seq = event["seq"]
        if seq <= self.sent_seq:
            return  # already replayed or sent
        if seq > self.sent_seq + 1:
            # a gap: an earlier event is still on its way (another process); the log has it
            missing = await database_sync_to_async(self._events_between)(self.sent_seq, seq)
            for earlier in missing:
                if earlier["seq"] > self.sent_seq:
                    await self.send_json(earlier)
                    self.sent_seq = earlier["seq"]
        await self.send_json(event)
        self.sent_seq = seq

    def _events_between(self, after: int, before: int) -> list[dict]:
        return [e for e in realtime.events_since(self.group, after, limit=before - after - 1) if e["seq"] < before]

    async def _stop_holding(self) -> None:
        held, self.held = sorted(self.held, key=lambda e: e["seq"]), []
        self.awaiting_resume = False
        for event in held:
            await self._deliver_in_order(event)

    # --- receiving ---------------------------------------------------------

    async def receive(self, text_data=None, bytes_data=None):
        if self.group is None:
            return
        try:
            await self._receive(text_data, bytes_data)
        except Exception:  # a bad message never takes the consumer down
            logger.exception("live: handling a client message on %s failed", self.group)
            await self.send_error("internal", "Die Nachricht konnte nicht verarbeitet werden.")

    async def _receive(self, text_data, bytes_data):
        frames = self._count_frame()
        if frames > 2 * FLOOD_LIMIT:
            await self.close(code=CLOSE_TOO_MANY)
            return
        if frames > FLOOD_LIMIT:
            await self.send_error("rate_limited", "Zu viele Nachrichten. Bitte langsamer.")
            return
        if text_data is None:
            await self.send_error("binary", "Nur Textnachrichten (JSON) werden angenommen.")
            return
        if len(text_data.encode("utf-8", "surrogatepass")) > max_frame_bytes():
            await self.send_error("too_large", f"Nachrichten dürfen höchstens {max_frame_bytes()} Bytes groß sein.")
            return
        try:
            message = json.loads(text_data)
        except (ValueError, RecursionError):  # RecursionError: nesting deeper than the parser goes
            await self.send_error("invalid_json", "Die Nachricht ist kein gültiges JSON.")
            return
        if not isinstance(message, dict):
            await self.send_error("invalid_message", "Erwartet wird ein JSON-Objekt.")
            return
        kind = message.get("type")
        handler_name = self.handlers.get(kind) if isinstance(kind, str) else None
        if handler_name is None:
            await self.send_error("unknown_type", "Unbekannter Nachrichtentyp.")
            return
        if kind != "resume" and self.awaiting_resume:
            await self._stop_holding()  # a client that talks without resuming gets live events from now on
        await getattr(self, handler_name)(message)

    def _count_frame(self) -> int:
        now = time.monotonic()
        self.frames = [t for t in self.frames if now - t < FLOOD_WINDOW]
        self.frames.append(now)
        return len(self.frames)

    # --- client message handlers ----------------------------------------------

    async def handle_ping(self, message):
        await self.send_event(Event.control(realtime.PONG))

    async def handle_resume(self, message):
        seq = message.get("seq", 0)
        if seq is None:
            seq = 0
        if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
            await self.send_error("invalid_seq", "seq muss eine nicht negative ganze Zahl sein.")
            return
        if self.awaiting_resume:
            # nothing has been sent yet: start from what the client saw
            self.sent_seq = seq
        replayed, current = await database_sync_to_async(self._replay)(max(seq, self.sent_seq))
        if replayed is None:
            # too much missed, the log no longer reaches back to the client's seq (pruned),
            # or the client is ahead of the log (e.g. the database was restored)
            await self.send_event(Event.control(realtime.RESYNC, {"last_seq": current}))
            self.sent_seq = current
        else:
            for event in replayed:
                if event["seq"] > self.sent_seq:
                    await self.send_json(event)
                    self.sent_seq = event["seq"]
        await self._stop_holding()
        if self.sends_ready:
            await self.send_event(Event.control(realtime.READY, {"last_seq": self.sent_seq}))

    def _replay(self, after: int) -> tuple[list[dict] | None, int]:
        current = realtime.last_seq(self.group)
        if after > current:
            return None, current
        if current - after > REPLAY_MAX:
            return None, current
        out: list[dict] = []
        cursor = after
        while True:
            if cursor == after:
                batch = realtime.replay_since(self.group, cursor, limit=REPLAY_BATCH)
                if batch is None:
                    return None, current  # the log was pruned past the client's seq: a gap, so resync
            else:
                batch = realtime.events_since(self.group, cursor, limit=REPLAY_BATCH)
            out.extend(batch)
            if len(batch) < REPLAY_BATCH:
                return out, current
            cursor = batch[-1]["seq"]
