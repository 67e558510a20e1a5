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
import logging

from channels.db import database_sync_to_async
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError

from hds_site import realtime
from hds_site.live_consumer import (  # noqa: F401 - close codes and limits are part of this module's interface
    CLOSE_ERROR,
    CLOSE_FORBIDDEN,
    CLOSE_NOT_FOUND,
    CLOSE_TOO_MANY,
    CLOSE_UNAUTHENTICATED,
    LiveConsumer,
    int_kwarg,
    max_frame_bytes,
    user_of,
)
from hds_site.realtime import Event

from . import events, permissions, presence

logger = logging.getLogger(__name__)


def typing_interval() -> float:
    return float(getattr(settings, "HDS_LIVE_TYPING_INTERVAL", 3.0))


class ThreadConsumer(LiveConsumer):
    """Watch a thread: posts, reactions, answers, moderation; typing and viewer count."""

    handlers = {**LiveConsumer.handlers, "typing": "handle_typing", "reply": "handle_reply"}

    async def authorize(self):
        thread_id = int_kwarg(self.scope, "thread_id")
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
        if await self._presence("join"):
            self._spawn(self._keep_present())

    async def left(self):
        await self._presence("leave")

    async def _presence(self, action: str) -> bool:
        """Join or leave the viewers of the thread and push the new count (batched)."""
        try:
            await getattr(presence.get_presence(), action)(self.group, self.channel_name)
        except Exception as exc:
            logger.warning("live: presence unavailable (%s)", exc.__class__.__name__)
            return False
        await presence.schedule_viewer_push(self.group, self.channel_layer)
        return True

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
        user = user_of(self.scope)
        if user is None:
            return False, ""
        permissions.forget(user)  # a suspension may have started since the last check
        thread = self._load_thread()
        if thread is None or not permissions.can_post(user, thread):
            return False, ""
        from hds_site.accounts.selectors import display_name_of

        return True, display_name_of(user)

    async def handle_typing(self, message):
        if user_of(self.scope) is None:
            await self.send_error("login_required", "Nur angemeldete Mitglieder können schreiben.")
            return
        if not self.typing_throttle.allow():
            await self.send_error("rate_limited", "Tipp-Hinweise höchstens alle paar Sekunden.")
            return
        allowed, name = await database_sync_to_async(self._may_post)()
        if not allowed:
            await self.send_error("forbidden", "Sie können in diesem Thema nicht schreiben.")
            return
        await realtime.asend_event(
            self.group,
            Event.ephemeral(events.TYPING, {"user_id": self.user.pk, "name": name}),
            exclude=self.channel_name,
        )

    # replying -----------------------------------------------------------------

    async def handle_reply(self, message):
        """{"type": "reply", "body": "...", "reply_to": <post id, optional>} → community.services.post_reply."""
        if user_of(self.scope) is None:
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
        await self.send_event(
            Event.control(events.REPLY_SAVED, {"post_id": post.pk, "number": post.number, "status": post.status})
        )

    def _reply(self, body: str, reply_to: int | None):
        from . import services
        from .models import Post

        user = user_of(self.scope)
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
        category_id = int_kwarg(self.scope, "category_id")
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
        user = user_of(self.scope)
        if user is None:
            return CLOSE_UNAUTHENTICATED
        return events.user_group(user.pk)
