"""The Redis channel layer, with a consumer's receive that ends when it is cancelled.

channels-redis waits for a consumer's next message in a loop (``EVAL`` of its
backup-queue script, then ``BZPOPMIN … 5``) and relies on cancellation to end
it when the consumer stops. On Python 3.11, ``asyncio.wait_for`` returns the
result instead of raising when the cancellation arrives just as the awaited
operation finishes (fixed in 3.12); redis-py sends every command through it,
so now and then a cancelled receive simply carries on — with the next
``BZPOPMIN`` and forever after: a task polling Redis every 5 s for a socket
that is gone, and a consumer (or a test's event loop) that never finishes.
Seen in CI about once in 40 refused WebSocket connections
(tests/test_channel_layer.py reproduces it deterministically).

The cancellation is not lost entirely: ``Task.cancelling()`` still counts it.
After every blocking wait that brought nothing, the receive checks it and
ends with ``CancelledError`` — at most ``brpop_timeout`` seconds late.
"""

from __future__ import annotations

import asyncio

from channels_redis.core import RedisChannelLayer as _RedisChannelLayer


class RedisChannelLayer(_RedisChannelLayer):
    async def _brpop_with_clean(self, index, channel, timeout):
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            raise asyncio.CancelledError  # a cancellation swallowed before this wait started
        member = await super()._brpop_with_clean(index, channel, timeout)
        if member is None and task is not None and task.cancelling():
            raise asyncio.CancelledError  # … or during it
        return member
