"""Live signature counts: at most one push per second per campaign.

The protocol (see docs/campaigns.md, "Live progress"):

* After a confirmation (or withdrawal/invalidation) commits, ``request_push``
  tries to take the campaign's push *window* (``cache.add`` with a timeout of
  ``PUSH_INTERVAL`` seconds). Whoever takes it sends the current count at once
  (leading edge). If the window is taken, the change only marks the campaign
  *dirty*.
* Every consumer that receives a count push schedules one trailing check
  ``PUSH_INTERVAL`` later: if the campaign is dirty it takes the window again,
  clears the flag, reads the count and pushes (trailing edge). Consumers of all
  processes race for the window; exactly one wins.
* A change that sets the dirty flag right after a window owner gave up retries
  the window itself, so the last count always arrives.

The count is read when the push is sent (never carried from the change), so a
push can only be older than the database by less than one interval.
"""

from __future__ import annotations

from channels.db import database_sync_to_async
from django.conf import settings
from django.core.cache import cache

from hds_site import realtime

from .events import CAMPAIGN_COUNT, campaign_group


def push_interval() -> int:
    return int(getattr(settings, "CAMPAIGNS_PUSH_INTERVAL", 1))


def window_key(campaign_id: int) -> str:
    return f"campaigns:push:window:{campaign_id}"


def dirty_key(campaign_id: int) -> str:
    return f"campaigns:push:dirty:{campaign_id}"


def count_event_data(campaign_id: int) -> dict:
    from . import selectors

    return selectors.live_stats(campaign_id)


def count_event(campaign_id: int) -> realtime.Event:
    return realtime.Event.ephemeral(CAMPAIGN_COUNT, count_event_data(campaign_id))


def send_count(campaign_id: int) -> None:
    realtime.send_event_now(campaign_group(campaign_id), count_event(campaign_id))


def request_push(campaign_id: int) -> None:
    """Called after commit by every change of a campaign's count."""
    interval = push_interval()
    if cache.add(window_key(campaign_id), 1, timeout=interval):
        send_count(campaign_id)
        return
    cache.set(dirty_key(campaign_id), 1, timeout=max(60, interval * 10))
    # the owner may have released the window between our add() and set()
    if cache.add(window_key(campaign_id), 1, timeout=interval):
        cache.delete(dirty_key(campaign_id))
        send_count(campaign_id)


async def trailing_push(campaign_id: int) -> bool:
    """Consumer side: push once more if something changed since the last push. True if it pushed."""
    if not await cache.aget(dirty_key(campaign_id)):
        return False
    if not await cache.aadd(window_key(campaign_id), 1, timeout=push_interval()):
        return False  # someone else holds the window; the next push re-arms the check
    await cache.adelete(dirty_key(campaign_id))
    event = await database_sync_to_async(count_event)(campaign_id)
    # the same outage handling as every send (realtime.asend_event): an unreachable layer is logged once
    await realtime.asend_event(campaign_group(campaign_id), event)
    return True


async def is_dirty(campaign_id: int) -> bool:
    return bool(await cache.aget(dirty_key(campaign_id)))
