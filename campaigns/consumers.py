"""Live progress of one campaign: ``/ws/campaigns/<slug>/`` (group ``campaign.<id>``).

On connect the client gets the current count; afterwards count pushes
(throttled, see campaigns/live.py) and replayable events (organiser updates,
with ``seq``; a client that resumes gets what it missed).
"""

from __future__ import annotations

import asyncio
import json
import logging

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from community.consumers import max_frame_bytes
from hds_site import realtime

from . import live

logger = logging.getLogger(__name__)

TRAILING_ATTEMPTS = 5


@database_sync_to_async
def _campaign_id(slug: str) -> int | None:
    from .models import CampaignPage

    return CampaignPage.objects.live().public().filter(slug=slug).values_list("pk", flat=True).first()


class CampaignConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        self.campaign_id = await _campaign_id(self.scope["url_route"]["kwargs"]["slug"])
        if self.campaign_id is None:
            await self.close(code=4404)
            return
        self.group = live.group_name(self.campaign_id)
        self.trailing = None
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        data = await database_sync_to_async(live.count_event_data)(self.campaign_id)
        await self.send_json({"type": "campaign.count", "seq": None, "data": data, "html": ""})
        self._schedule_trailing()

    async def disconnect(self, code):
        if getattr(self, "trailing", None):
            self.trailing.cancel()
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def send_error(self, code: str, message: str) -> None:
        await self.send_json({"type": "error", "seq": None, "code": code, "message": message})

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        """Validate before decoding: a bad frame gets an error frame, never a crashed consumer."""
        if text_data is None:
            await self.send_error("binary", "Nur Textnachrichten (JSON) werden angenommen.")
            return
        limit = max_frame_bytes()
        if len(text_data.encode("utf-8", "surrogatepass")) > limit:
            await self.send_error("too_large", f"Nachrichten dürfen höchstens {limit} Bytes groß sein.")
            return
        try:
            content = json.loads(text_data)
        except (ValueError, RecursionError):
            await self.send_error("invalid_json", "Die Nachricht ist kein gültiges JSON.")
            return
        if not isinstance(content, dict):
            await self.send_error("invalid_message", "Erwartet wird ein JSON-Objekt.")
            return
        try:
            await self.receive_json(content)
        except Exception:  # a bad message never takes the consumer down
            logger.exception("live: handling a client message on %s failed", getattr(self, "group", None))
            await self.send_error("internal", "Die Nachricht konnte nicht verarbeitet werden.")

    async def receive_json(self, content, **kwargs):
        kind = content.get("type")
        if kind == "ping":
            await self.send_json({"type": "pong", "seq": None})
        elif kind == "resume":
            seq = content.get("seq", 0)
            if seq is None:
                seq = 0
            if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
                await self.send_error("invalid_seq", "seq muss eine nicht negative ganze Zahl sein.")
                return
            current = await database_sync_to_async(realtime.last_seq)(self.group)
            if seq > current:
                # the client is ahead of the log (e.g. the database was restored): start over
                await self.send_json({"type": "resync", "seq": None, "data": {"last_seq": current}})
                return
            events = await database_sync_to_async(realtime.replay_since)(self.group, seq)
            if events is None:
                # the log was pruned past the client's seq: replaying the rest would leave a silent gap
                await self.send_json({"type": "resync", "seq": None, "data": {"last_seq": current}})
                return
            for event in events:
                await self.send_json(event)
        else:
            await self.send_error("unknown_type", "Unbekannter Nachrichtentyp.")

    async def live_event(self, message):
        event = message["event"]
        await self.send_json(event)
        if event.get("type") == "campaign.count":
            self._schedule_trailing()

    def _schedule_trailing(self):
        if self.trailing is None or self.trailing.done():
            self.trailing = asyncio.ensure_future(self._trailing())

    async def _trailing(self):
        """While the campaign keeps changing, check once per interval; stop after a quiet one."""
        idle = 0
        while idle < TRAILING_ATTEMPTS:
            await asyncio.sleep(live.push_interval())
            if await live.trailing_push(self.campaign_id):
                idle = 0
            elif await live.is_dirty(self.campaign_id):
                idle += 1  # someone else holds the window: look again
            else:
                return
