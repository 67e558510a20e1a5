"""WebSocket consumers of the forum (protocol: docs/realtime.md).

* ``/ws/community/threads/<id>/``    group ``thread.<id>``   anyone who may read the thread
* ``/ws/community/categories/<id>/`` group ``category.<id>`` anyone who may read the category
* ``/ws/notifications/``             group ``user.<id>``     the signed-in member only

Each connection joins exactly one group, so one sequence number space. The
client says what it saw last (``{"type": "resume", "seq": N}``) and gets
every event after N from the event log, in order, each once; live events
that arrive meanwhile wait in the channel layer (a consumer handles one
message at a time) and are dropped when already replayed. A gap in the live
stream (two Daphne processes committing one after the other but delivering
the other way round) is filled from the log, so the socket never skips or
reorders an event.

The consumers are thin: permission answers come from community.permissions,
writes from community.services.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError

from hds_site import realtime

from . import events, permissions, presence

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


def typing_interval() -> float:
    return float(_setting("HDS_LIVE_TYPING_INTERVAL", 3.0))


def resume_wait() -> float:
    """How long live events are held for a client that has not said ``resume`` yet."""
    return float(_setting("HDS_LIVE_RESUME_WAIT", 2.0))


FLOOD_WINDOW = 10.0  # seconds
FLOOD_LIMIT = 60  # frames per window; beyond: error frames; beyond twice: closed


class LiveConsumer(AsyncWebsocketConsumer):
    """One group per connection, replay on resume, validated client messages."""

    #: client message type → method name; subclasses extend
    handlers = {"resume": "handle_resume", "ping": "handle_ping"}

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

    def _spawn(self, coro) -> None:
        self.tasks.append(asyncio.get_running_loop().create_task(coro))

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

    async def send_error(self, code: str, message: str) -> None:
        await self.send_json({"type": "error", "seq": None, "code": code, "message": message})

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
        await self.send_json({"type": "pong", "seq": None})

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
            await self.send_json({"type": "resync", "seq": None, "data": {"last_seq": current}})
            self.sent_seq = current
        else:
            for event in replayed:
                if event["seq"] > self.sent_seq:
                    await self.send_json(event)
                    self.sent_seq = event["seq"]
        await self._stop_holding()
        await self.send_json({"type": "ready", "seq": None, "data": {"last_seq": self.sent_seq}})

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


def _user(scope):
    user = scope.get("user")
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return None
    return user


def _int_kwarg(scope, name: str) -> int | None:
    try:
        return int(scope["url_route"]["kwargs"][name])
    except (KeyError, TypeError, ValueError):
        return None


class ThreadConsumer(LiveConsumer):
    """Watch a thread: posts, reactions, answers, moderation; typing and viewer count."""

    handlers = {**LiveConsumer.handlers, "typing": "handle_typing", "reply": "handle_reply"}

    async def authorize(self):
        thread_id = _int_kwarg(self.scope, "thread_id")
        self.thread_id = thread_id
        self.typing_throttle = presence.Throttle(typing_interval())
        return await database_sync_to_async(self._authorize)(thread_id)

    def _load_thread(self):
        from .models import Thread

        return Thread.objects.select_related("category").filter(pk=self.thread_id).first()

    def _authorize(self, thread_id):
        if thread_id is None:
            return CLOSE_NOT_FOUND
        thread = self._load_thread()
        if thread is None:
            return CLOSE_NOT_FOUND
        if not permissions.can_view_thread(self.user, thread):
            return CLOSE_FORBIDDEN
        return events.thread_group(thread.pk)

    # viewers ----------------------------------------------------------------

    async def joined(self):
        try:
            await presence.get_presence().join(self.group, self.channel_name)
        except Exception as exc:
            logger.warning("live: presence unavailable (%s)", exc.__class__.__name__)
            return
        self._spawn(self._keep_present())
        await presence.schedule_viewer_push(self.group, self.channel_layer)

    async def left(self):
        try:
            await presence.get_presence().leave(self.group, self.channel_name)
        except Exception as exc:
            logger.warning("live: presence unavailable (%s)", exc.__class__.__name__)
            return
        await presence.schedule_viewer_push(self.group, self.channel_layer)

    async def _keep_present(self):
        while True:
            await asyncio.sleep(presence.REFRESH_SECONDS)
            try:
                await presence.get_presence().refresh(self.group, self.channel_name)
            except Exception as exc:
                logger.warning("live: presence refresh failed (%s)", exc.__class__.__name__)

    # access -----------------------------------------------------------------

    async def may_forward(self, event):
        if event.get("type") != events.THREAD_MOVED:
            return True
        allowed = await database_sync_to_async(self._still_allowed)()
        if not allowed:
            # the thread moved somewhere this viewer may not follow
            await self.left()
            await self.channel_layer.group_discard(self.group, self.channel_name)
            self.groups.remove(self.group)
            self.group = None
            await self.close(code=CLOSE_FORBIDDEN)
        return allowed

    def _still_allowed(self) -> bool:
        thread = self._load_thread()
        if thread is None:
            return False
        if self.user is not None:
            permissions.forget(self.user)
        return permissions.can_view_thread(self.user, thread)

    # typing -----------------------------------------------------------------

    def _may_post(self) -> tuple[bool, str]:
        user = _user(self.scope)
        if user is None:
            return False, ""
        permissions.forget(user)  # a suspension may have started since the last check
        thread = self._load_thread()
        if thread is None or not permissions.can_post(user, thread):
            return False, ""
        from hds_site.accounts.selectors import display_name_of

        return True, display_name_of(user)

    async def handle_typing(self, message):
        if _user(self.scope) is None:
            await self.send_error("login_required", "Nur angemeldete Mitglieder können schreiben.")
            return
        if not self.typing_throttle.allow():
            await self.send_error("rate_limited", "Tipp-Hinweise höchstens alle paar Sekunden.")
            return
        allowed, name = await database_sync_to_async(self._may_post)()
        if not allowed:
            await self.send_error("forbidden", "Sie können in diesem Thema nicht schreiben.")
            return
        await realtime.asend(
            self.group,
            "typing",
            {"user_id": self.user.pk, "name": name},
            exclude=self.channel_name,
        )

    # replying -----------------------------------------------------------------

    async def handle_reply(self, message):
        """{"type": "reply", "body": "...", "reply_to": <post id, optional>} → community.services.post_reply."""
        if _user(self.scope) is None:
            await self.send_error("login_required", "Nur angemeldete Mitglieder können antworten.")
            return
        body = message.get("body")
        reply_to = message.get("reply_to")
        if not isinstance(body, str) or not body.strip():
            await self.send_error("invalid", "Der Beitrag darf nicht leer sein.")
            return
        if reply_to is not None and (isinstance(reply_to, bool) or not isinstance(reply_to, int)):
            await self.send_error("invalid", "reply_to muss die Nummer eines Beitrags sein.")
            return
        try:
            post = await database_sync_to_async(self._reply)(body, reply_to)
        except PermissionDenied:
            await self.send_error("forbidden", "Sie können in diesem Thema nicht antworten.")
            return
        except ValidationError as exc:
            await self.send_error("invalid", " ".join(str(m) for m in exc.messages))
            return
        await self.send_json(
            {
                "type": "reply.saved",
                "seq": None,
                "data": {"post_id": post.pk, "number": post.number, "status": post.status},
            }
        )

    def _reply(self, body: str, reply_to: int | None):
        from . import services
        from .models import Post

        user = _user(self.scope)
        permissions.forget(user)
        thread = self._load_thread()
        if thread is None or not permissions.can_post(user, thread):
            raise PermissionDenied
        kwargs = {}
        if reply_to is not None:
            parent = Post.objects.filter(thread=thread, pk=reply_to).first()
            if parent is None or not parent.is_public:  # hidden, deleted or unreleased: as if unknown
                raise ValidationError("Der Beitrag, auf den Sie antworten, gibt es nicht.")
            kwargs["reply_to"] = parent
        return services.post_reply(thread=thread, author=user, body=body, **kwargs)


class CategoryConsumer(LiveConsumer):
    """Watch a category (or a group's category): ``thread.activity`` for "N neue Beiträge"."""

    async def authorize(self):
        category_id = _int_kwarg(self.scope, "category_id")
        return await database_sync_to_async(self._authorize)(category_id)

    def _authorize(self, category_id):
        from .models import Category

        category = Category.objects.filter(pk=category_id).first() if category_id is not None else None
        if category is None:
            return CLOSE_NOT_FOUND
        if not permissions.can_view_category(self.user, category):
            return CLOSE_FORBIDDEN
        return events.category_group(category.pk)


class NotificationConsumer(LiveConsumer):
    """A member's own notifications: ``notification.created`` / ``notifications.read``."""

    async def authorize(self):
        user = _user(self.scope)
        if user is None:
            return CLOSE_UNAUTHENTICATED
        return events.user_group(user.pk)
