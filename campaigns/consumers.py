"""Live progress of one campaign: ``/ws/campaigns/<slug>/`` (group ``campaign.<id>``).

On connect the client gets the current count; afterwards count pushes
(throttled, see campaigns/live.py) and replayable events (organiser updates,
with ``seq``; a client that resumes gets what it missed).
"""

from __future__ import annotations

import asyncio

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from hds_site import realtime

from . import live

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

    async def receive_json(self, content, **kwargs):
        if content.get("type") == "resume":
            try:
                seq = int(content.get("seq") or 0)
            except (TypeError, ValueError):
                seq = 0
            for event in await database_sync_to_async(realtime.events_since)(self.group, seq):
                await self.send_json(event)

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
