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
    from hds_site.channel_layer import RedisChannelLayer

    if settings.CHANNEL_LAYERS["default"]["BACKEND"] != "hds_site.channel_layer.RedisChannelLayer":
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
    from hds_site.channel_layer import RedisChannelLayer

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


def _receive_cancelled_during_a_send(layer_class, redis_url, monkeypatch) -> tuple[bool, bool]:
    """Cancel a receive at the moment Python 3.11's ``asyncio.wait_for`` swallows it; (ended, cancelled).

    redis-py sends each command through ``asyncio.wait_for``; on 3.11, a
    cancellation that arrives as the send completes is dropped and the result
    returned (fixed in 3.12; it cost CI a hung run about once in 40 refused
    WebSocket connections). Replayed here exactly and every time: after the
    receive's first send, a window in which the cancellation is swallowed.
    """
    from redis.asyncio.connection import AbstractConnection

    send = AbstractConnection.send_packed_command
    window: dict = {}

    async def send_as_wait_for_does_on_311(self, command, check_health=True):
        await send(self, command, check_health)
        if window.get("task") is asyncio.current_task() and not window["entered"].is_set():
            window["entered"].set()
            try:
                await asyncio.sleep(30)
            except asyncio.CancelledError:
                pass  # the operation finished: its result is returned, the cancellation dropped

    monkeypatch.setattr(AbstractConnection, "send_packed_command", send_as_wait_for_does_on_311)

    async def scenario():
        layer = layer_class(hosts=[redis_url])
        layer.brpop_timeout = 1  # the blocking wait, shortened for the test
        try:
            channel = await layer.new_channel()
            window["entered"] = asyncio.Event()
            receive = asyncio.ensure_future(layer.receive(channel))
            window["task"] = receive
            await asyncio.wait_for(window["entered"].wait(), 10)
            receive.cancel()
            await asyncio.wait({receive}, timeout=layer.brpop_timeout + 4)
            ended = receive.done()
            cancelled = ended and receive.cancelled()
            if not ended:  # what the stock layer does: it polls on; a second cancel reaches its blocking wait
                receive.cancel()
                await asyncio.wait({receive}, timeout=layer.brpop_timeout + 4)
                assert receive.done()
            return ended, cancelled
        finally:
            await layer.close_pools()

    return asyncio.run(scenario())


def test_a_cancelled_receive_ends_although_the_cancellation_was_swallowed(redis_url, monkeypatch):
    from hds_site.channel_layer import RedisChannelLayer

    assert _receive_cancelled_during_a_send(RedisChannelLayer, redis_url, monkeypatch) == (True, True)


def test_the_stock_layer_goes_on_receiving_after_a_swallowed_cancellation(redis_url, monkeypatch):
    """The failure the project's layer exists for (channels-redis 4.3.0, redis-py 8.1.0, Python 3.11)."""
    from channels_redis.core import RedisChannelLayer

    assert _receive_cancelled_during_a_send(RedisChannelLayer, redis_url, monkeypatch) == (False, False)
