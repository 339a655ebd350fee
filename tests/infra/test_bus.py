"""Both event buses keep the same contract: fan-out, channel changes, closing, bounded memory."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from backend.bus.memory import MemoryBus
from backend.bus.redis import RedisBus, connect
from backend.ports import EventBus, Subscription
from tests import services

TIMEOUT = 5


@pytest.fixture(params=["memory", "redis"])
async def bus(request: pytest.FixtureRequest) -> AsyncIterator[EventBus]:
    if request.param == "memory":
        memory = MemoryBus()
        yield memory
        await memory.close()
        return
    url = request.getfixturevalue("redis_url")
    client = Redis.from_url(url)
    publisher = connect(url, socket_timeout=None)  # as the app builds it
    redis_bus = RedisBus(client, publisher=publisher)
    yield redis_bus
    await redis_bus.close()
    await client.aclose()
    await publisher.aclose()


def channel() -> str:
    """A channel no other test (or concurrent run on the same Redis) uses."""
    return f"test:{uuid.uuid4().hex}"


async def next_message(sub: Subscription) -> tuple[str, bytes]:
    async def first() -> tuple[str, bytes]:
        async for item in sub:
            return item
        raise AssertionError("the subscription ended")

    return await asyncio.wait_for(first(), TIMEOUT)


async def drain(sub: Subscription) -> list[tuple[str, bytes]]:
    return [item async for item in sub]


async def test_subscriber_receives_in_order(bus: EventBus) -> None:
    ch = channel()
    sub = await bus.subscribe(ch)
    for n in range(3):
        await bus.publish(ch, f"m{n}".encode())
    assert [await next_message(sub) for _ in range(3)] == [(ch, b"m0"), (ch, b"m1"), (ch, b"m2")]


async def test_only_followed_channels_are_delivered(bus: EventBus) -> None:
    followed, other = channel(), channel()
    sub = await bus.subscribe(followed)
    await bus.publish(other, b"not for me")
    await bus.publish(followed, b"for me")
    assert await next_message(sub) == (followed, b"for me")


async def test_add_and_remove_channels(bus: EventBus) -> None:
    first, second = channel(), channel()
    sub = await bus.subscribe(first)
    await sub.add(second)
    await bus.publish(second, b"added")
    assert await next_message(sub) == (second, b"added")

    await sub.remove(first)
    await bus.publish(first, b"after remove")
    await bus.publish(second, b"still here")
    assert await next_message(sub) == (second, b"still here")


async def test_subscription_without_channels_waits_for_its_first(bus: EventBus) -> None:
    """redis-py's PubSub cannot be read before a SUBSCRIBE; the bus must not surface that."""
    ch = channel()
    sub = await bus.subscribe()
    reader = asyncio.create_task(next_message(sub))
    await sub.add(ch)
    await bus.publish(ch, b"first")
    assert await reader == (ch, b"first")


async def test_close_ends_iteration(bus: EventBus) -> None:
    ch = channel()
    sub = await bus.subscribe(ch)
    await bus.publish(ch, b"one")
    assert await next_message(sub) == (ch, b"one")
    consumer = asyncio.create_task(drain(sub))
    await sub.close()
    assert await asyncio.wait_for(consumer, TIMEOUT) == []
    await sub.close()  # closing twice is harmless


async def test_bus_close_ends_every_subscription(bus: EventBus) -> None:
    with_channel, without = await bus.subscribe(channel()), await bus.subscribe()
    consumers = [asyncio.create_task(drain(s)) for s in (with_channel, without)]
    await bus.close()
    assert await asyncio.wait_for(asyncio.gather(*consumers), TIMEOUT) == [[], []]


async def test_many_subscribers_each_get_every_message(bus: EventBus) -> None:
    ch = channel()
    subs = [await bus.subscribe(ch) for _ in range(20)]
    await bus.publish(ch, b"to all")
    received = await asyncio.gather(*(next_message(s) for s in subs))
    assert received == [(ch, b"to all")] * 20
    for sub in subs:
        await sub.close()


async def test_a_burst_of_publishes_goes_out_whole_and_in_order(bus: EventBus) -> None:
    # More concurrent publishes than a Redis connection pool holds (100): none may fail.
    ch = channel()
    sub = await bus.subscribe(ch)
    await asyncio.gather(*(bus.publish(ch, str(n).encode()) for n in range(300)))
    assert [await next_message(sub) for _ in range(300)] == [(ch, str(n).encode()) for n in range(300)]


async def test_connect_waits_for_a_pooled_connection_instead_of_failing(redis_url: str) -> None:
    client = connect(redis_url)
    key = f"test:{uuid.uuid4().hex}"
    try:
        await asyncio.gather(*(client.incr(key) for _ in range(300)))
        assert int(await client.get(key) or 0) == 300
    finally:
        await client.delete(key)
        await client.aclose()


async def test_slow_memory_subscriber_is_bounded() -> None:
    bus = MemoryBus(queue_size=10)
    ch = channel()
    slow, fast = await bus.subscribe(ch), await bus.subscribe(ch)
    received: list[bytes] = []

    async def keep_up() -> None:
        async for _, data in fast:
            received.append(data)
            if len(received) == 1000:
                return

    consumer = asyncio.create_task(keep_up())
    for n in range(1000):
        await bus.publish(ch, str(n).encode())
        await asyncio.sleep(0)  # yield to the fast consumer, as a real publisher's I/O would
    await asyncio.wait_for(consumer, TIMEOUT)
    assert len(received) == 1000
    assert slow.dropped == 990
    # The slow one still gets the oldest ten, then nothing more is queued for it.
    assert [data for _, data in [await next_message(slow) for _ in range(10)]] == [str(n).encode() for n in range(10)]
    await bus.close()
    assert bus.channel_count == 0


@pytest.mark.slow
async def test_redis_subscription_outlives_an_outage() -> None:
    first = services.start_redis()
    port = int(first.url.rsplit(":", 1)[1].split("/")[0])
    client = connect(first.url)
    bus = RedisBus(client)
    second: services.Throwaway | None = None
    try:
        ch = channel()
        sub = await bus.subscribe(ch)
        assert sub.connected
        first.stop()
        await asyncio.wait_for(sub.wait_disconnected(), TIMEOUT)
        second = services.start_redis(port)
        await asyncio.wait_for(sub.wait_connected(), TIMEOUT)
        await bus.publish(ch, b"after the restart")
        assert await next_message(sub) == (ch, b"after the restart")
    finally:
        await bus.close()
        await client.aclose()
        first.stop()
        if second is not None:
            second.stop()


@pytest.mark.slow
async def test_redis_subscription_starts_while_redis_is_down() -> None:
    port = services.free_port()
    client = connect(f"redis://127.0.0.1:{port}/0")
    bus = RedisBus(client)
    server: services.Throwaway | None = None
    try:
        ch = channel()
        sub = await asyncio.wait_for(bus.subscribe(ch), TIMEOUT)  # returns, neither raising nor hanging
        assert not sub.connected
        server = services.start_redis(port)
        await asyncio.wait_for(sub.wait_connected(), TIMEOUT)
        await bus.publish(ch, b"hello")
        assert await next_message(sub) == (ch, b"hello")
    finally:
        await bus.close()
        await client.aclose()
        if server is not None:
            server.stop()


async def test_a_publish_to_a_redis_that_never_answers_fails_in_bounded_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The publishing client has no socket timeout (see backend.bus.redis.connect): the bus bounds each
    # publish itself, the one sent from its caller's task and those batched behind it alike.
    monkeypatch.setattr("backend.bus.redis.PUBLISH_TIMEOUT", 0.3)
    accepted: list[asyncio.StreamWriter] = []

    async def silent(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)  # reads nothing, answers nothing, keeps the connection open

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = connect(f"redis://127.0.0.1:{port}/0")
    publisher = connect(f"redis://127.0.0.1:{port}/0", socket_timeout=None)
    bus = RedisBus(client, publisher=publisher)
    try:
        outcomes = await asyncio.wait_for(
            asyncio.gather(*(bus.publish("ch", str(n).encode()) for n in range(3)), return_exceptions=True), TIMEOUT
        )
        assert len(outcomes) == 3
        assert all(isinstance(outcome, TimeoutError) for outcome in outcomes), outcomes
    finally:
        await bus.close()
        await client.aclose()
        await publisher.aclose()
        for writer in accepted:
            writer.close()
        server.close()
        await server.wait_closed()


async def test_publishes_made_while_one_is_slow_wait_for_it(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # Redis keeps order per connection only. A publish that is slow to leave (a connection being opened,
    # a busy socket) must not be overtaken by the batch queued behind it, which may take another connection.
    client = Redis.from_url(redis_url)
    publisher = connect(redis_url, socket_timeout=None)
    bus = RedisBus(client, publisher=publisher)
    gate = asyncio.Event()
    plain_publish = publisher.publish

    async def first_one_slow(ch: str, data: bytes) -> int:
        if data == b"0":
            await gate.wait()
        result: int = await plain_publish(ch, data)
        return result

    monkeypatch.setattr(publisher, "publish", first_one_slow)
    ch = channel()
    sub = await bus.subscribe(ch)
    try:
        first = asyncio.create_task(bus.publish(ch, b"0"))
        await asyncio.sleep(0)
        rest = asyncio.gather(*(bus.publish(ch, str(n).encode()) for n in range(1, 5)))
        await asyncio.sleep(0.1)  # time enough for the batch to reach Redis, were it sent now
        gate.set()
        await asyncio.wait_for(asyncio.gather(first, rest), TIMEOUT)
        assert [await next_message(sub) for _ in range(5)] == [(ch, str(n).encode()) for n in range(5)]
    finally:
        await sub.close()
        await bus.close()
        await client.aclose()
        await publisher.aclose()
