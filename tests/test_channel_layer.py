"""The Redis channel layer keeps idle sockets alive on a busy process (found by ``make soak``).

channels_redis waits for a consumer's next message with ``BZPOPMIN … 5``
(``brpop_timeout``); redis-py 8 reads every reply with a default
``socket_timeout`` of 5 s. When the event loop is busy at the moment Redis
answers "nothing yet", the client's read timeout fires first: the consumer dies
with ``redis.exceptions.TimeoutError`` and its WebSocket drops. The settings
give the channel layer's connections a read timeout well above the blocking
wait.
"""

import asyncio
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings


def test_read_timeout_outlasts_the_blocking_receive(redis_url):
    from channels_redis.core import RedisChannelLayer

    if settings.CHANNEL_LAYERS["default"]["BACKEND"] != "channels_redis.core.RedisChannelLayer":
        pytest.fail("REDIS_URL is set but the settings did not configure the Redis channel layer")
    host = settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"][0]
    timeout = host.get("socket_timeout", 5)  # redis-py's default when unset
    assert timeout is None or timeout >= RedisChannelLayer.brpop_timeout + 5


async def _slow_proxy(target: tuple[str, int], delay: float):
    """A TCP proxy in front of Redis whose replies arrive ``delay`` seconds late (a busy Redis or network)."""

    async def pipe(reader, writer, wait):
        try:
            while data := await reader.read(65536):
                if wait:
                    await asyncio.sleep(wait)
                writer.write(data)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def handle(client_reader, client_writer):
        server_reader, server_writer = await asyncio.open_connection(*target)
        await asyncio.gather(pipe(client_reader, server_writer, 0), pipe(server_reader, client_writer, delay))

    return await asyncio.start_server(handle, "127.0.0.1", 0)


def test_idle_receive_survives_late_redis_replies(redis_url):
    """A consumer with nothing to receive outlives a blocking wait whose empty answer arrives 1 s late."""
    from channels_redis.core import RedisChannelLayer

    config = settings.CHANNEL_LAYERS["default"]["CONFIG"]
    parts = urlsplit(redis_url)

    async def scenario():
        proxy = await _slow_proxy((parts.hostname or "127.0.0.1", parts.port or 6379), delay=1.0)
        port = proxy.sockets[0].getsockname()[1]
        host = {**config["hosts"][0], "address": urlunsplit((parts.scheme, f"127.0.0.1:{port}", parts.path, "", ""))}
        layer = RedisChannelLayer(**{**config, "hosts": [host]})
        try:
            channel = await layer.new_channel()
            receive = asyncio.create_task(layer.receive(channel))
            await asyncio.sleep(2 * layer.brpop_timeout + 4)  # two empty answers came back late
            assert not receive.done(), receive.exception()
            await layer.send(channel, {"type": "after.wait"})
            return await asyncio.wait_for(receive, 15)
        finally:
            await layer.close_pools()
            proxy.close()

    assert asyncio.run(scenario())["type"] == "after.wait"
