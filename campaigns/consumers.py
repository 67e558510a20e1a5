"""Live progress of one campaign: ``/ws/campaigns/<slug>/`` (group ``campaign.<id>``).

The protocol is the platform's (``hds_site.live_consumer.LiveConsumer``:
resume, replay, gap filling, validation, limits). This socket adds: the current
count as the first frame, and the trailing check of the batched count pushes
(campaigns/live.py). Replayable events are organiser updates (``seq``); a
client that resumes gets what it missed.
"""

from __future__ import annotations

import asyncio
import logging

from channels.db import database_sync_to_async

from hds_site.live_consumer import CLOSE_NOT_FOUND, LiveConsumer

from . import live
from .events import CAMPAIGN_COUNT, campaign_group

logger = logging.getLogger(__name__)

TRAILING_ATTEMPTS = 5


class CampaignConsumer(LiveConsumer):
    """Anyone may watch a live, public campaign; drafts and unknown slugs are refused with 4404."""

    # as before the shared base: refused before the handshake, and no "ready" after a resume
    accept_before_close = False
    sends_ready = False

    async def authorize(self):
        self.trailing = None
        self.campaign_id = await database_sync_to_async(self._campaign_id)(self.scope["url_route"]["kwargs"]["slug"])
        if self.campaign_id is None:
            return CLOSE_NOT_FOUND
        return campaign_group(self.campaign_id)

    @staticmethod
    def _campaign_id(slug: str) -> int | None:
        from .models import CampaignPage

        return CampaignPage.objects.live().public().filter(slug=slug).values_list("pk", flat=True).first()

    async def joined(self):
        await self.send_event(await database_sync_to_async(live.count_event)(self.campaign_id))
        self._schedule_trailing()

    async def deliver(self, event: dict) -> None:
        await super().deliver(event)
        if event.get("type") == CAMPAIGN_COUNT:
            self._schedule_trailing()

    def _schedule_trailing(self):
        if self.trailing is None or self.trailing.done():
            self.trailing = self._spawn(self._trailing())

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
