"""Both event buses keep the same contract: fan-out, channel changes, closing, bounded memory."""

from __future__ import annotations

import asyncio
import signal
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from redis.exceptions import RedisError

from backend.bus.memory import MemoryBus
from backend.bus.redis import RedisBus, connect
from backend.bus.resp import Address
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
    redis_bus = RedisBus(request.getfixturevalue("redis_url"))
    yield redis_bus
    await redis_bus.close()


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
    """A Redis connection is opened only with a channel to follow; the bus must not surface that."""
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


async def test_a_listener_gets_what_was_queued_then_each_event_as_it_is_read(bus: EventBus) -> None:
    ch = channel()
    sub = await bus.subscribe(ch)
    await bus.publish(ch, b"queued")
    await asyncio.sleep(0.05)  # read from the socket (Redis) and queued, before anyone listens
    heard: list[tuple[str, bytes]] = []
    arrived = asyncio.Event()

    def listener(got: str, data: bytes) -> None:
        if data == b"bad":
            raise ValueError("a listener that fails")  # logged; the events after it still arrive
        heard.append((got, data))
        if data == b"last":
            arrived.set()

    sub.listen(listener)
    assert heard == [(ch, b"queued")]
    for data in (b"bad", b"live", b"last"):
        await bus.publish(ch, data)
    await asyncio.wait_for(arrived.wait(), TIMEOUT)
    assert heard == [(ch, b"queued"), (ch, b"live"), (ch, b"last")]
    await sub.close()


@pytest.mark.slow
async def test_redis_subscription_outlives_an_outage() -> None:
    first = services.start_redis()
    port = int(first.url.rsplit(":", 1)[1].split("/")[0])
    bus = RedisBus(first.url)
    second: services.Throwaway | None = None
    try:
        ch = channel()
        sub = await bus.subscribe(ch)
        assert sub.connected
        await bus.publish(ch, b"before")
        assert await next_message(sub) == (ch, b"before")
        first.stop()
        await asyncio.wait_for(sub.wait_disconnected(), TIMEOUT)
        second = services.start_redis(port)
        await asyncio.wait_for(sub.wait_connected(), TIMEOUT)
        await bus.publish(ch, b"after the restart")  # over a new publishing connection
        assert await next_message(sub) == (ch, b"after the restart")
    finally:
        await bus.close()
        first.stop()
        if second is not None:
            second.stop()


@pytest.mark.slow
async def test_redis_subscription_starts_while_redis_is_down() -> None:
    port = services.free_port()
    bus = RedisBus(f"redis://127.0.0.1:{port}/0")
    server: services.Throwaway | None = None
    try:
        ch = channel()
        sub = await asyncio.wait_for(bus.subscribe(ch), TIMEOUT)  # returns, neither raising nor hanging
        assert not sub.connected
        with pytest.raises(OSError, match=r"refused|reached"):
            await asyncio.wait_for(bus.publish(ch, b"nobody hears this"), TIMEOUT)
        server = services.start_redis(port)
        await asyncio.wait_for(sub.wait_connected(), TIMEOUT)
        await bus.publish(ch, b"hello")
        assert await next_message(sub) == (ch, b"hello")
    finally:
        await bus.close()
        if server is not None:
            server.stop()


async def test_a_publish_to_a_redis_that_never_answers_fails_in_bounded_time() -> None:
    accepted: list[asyncio.StreamWriter] = []

    async def silent(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)  # reads nothing, answers nothing, keeps the connection open

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    bus = RedisBus(f"redis://127.0.0.1:{port}/0", publish_timeout=0.3)
    try:
        # The first opens the connection; the others wait behind it, then all are written and never answered.
        outcomes = await asyncio.wait_for(
            asyncio.gather(*(bus.publish("ch", str(n).encode()) for n in range(3)), return_exceptions=True), TIMEOUT
        )
        assert len(outcomes) == 3
        assert all(isinstance(outcome, TimeoutError) for outcome in outcomes), outcomes
        # The silent connection was dropped; the next publish opens another and is bounded the same way.
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(bus.publish("ch", b"again"), TIMEOUT)
        assert len(accepted) == 2
    finally:
        await bus.close()
        for writer in accepted:
            writer.close()
        server.close()
        await server.wait_closed()


async def test_redis_that_refuses_the_password_fails_the_publish(redis_url: str) -> None:
    # The local Redis has no password: AUTH is answered with an error, which the publish reports.
    host_port = redis_url.split("//", 1)[1]
    await publish_fails(f"redis://:not-the-password@{host_port}", r"AUTH|password")


async def publish_fails(url: str, reason: str) -> None:
    """A publish through a bus on ``url`` raises Redis's own words matching ``reason``."""
    bus = RedisBus(url)
    try:
        with pytest.raises(RedisError, match=reason):
            await asyncio.wait_for(bus.publish(channel(), b"x"), TIMEOUT)
    finally:
        await bus.close()


@pytest.mark.slow
async def test_a_redis_with_a_password_over_tcp_and_over_a_unix_socket(tmp_path: Path) -> None:
    socket_path = str(tmp_path / "redis.sock")
    server = services.start_redis(password="s3cret pass", unix_socket=socket_path)
    port = server.url.rsplit(":", 1)[1].split("/")[0]
    urls = [
        f"redis://:s3cret%20pass@127.0.0.1:{port}/0",
        f"redis://default:s3cret%20pass@127.0.0.1:{port}/0",  # Redis 6 ACL form: a user name and its password
        f"unix://:s3cret%20pass@{socket_path}",
    ]
    try:
        for url in urls:
            bus = RedisBus(url)
            try:
                ch = channel()
                sub = await bus.subscribe(ch)
                assert sub.connected, url
                await bus.publish(ch, url.encode())
                assert await next_message(sub) == (ch, url.encode())
                await bus.ping()
            finally:
                await bus.close()
        await publish_fails(f"unix://:wrong@{socket_path}", r"WRONGPASS|invalid")
    finally:
        server.stop()


@pytest.mark.slow
async def test_a_redis_that_stops_answering_is_left_then_found_again(monkeypatch: pytest.MonkeyPatch) -> None:
    # SIGSTOP keeps the socket open and silent, as a partition or a hung server would: only the PING of a
    # quiet subscription and the publish watchdog can tell.
    monkeypatch.setattr("backend.bus.resp.HEALTH_EVERY", 0.2)
    monkeypatch.setattr("backend.bus.resp.REPLY_TIMEOUT", 0.3)
    server = services.start_redis()
    bus = RedisBus(server.url, publish_timeout=0.5)
    try:
        ch = channel()
        sub = await bus.subscribe(ch)
        await bus.publish(ch, b"before")
        assert await next_message(sub) == (ch, b"before")
        server.process.send_signal(signal.SIGSTOP)
        try:
            await asyncio.wait_for(sub.wait_disconnected(), TIMEOUT)
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(bus.publish(ch, b"lost"), TIMEOUT)
        finally:
            server.process.send_signal(signal.SIGCONT)
        await asyncio.wait_for(sub.wait_connected(), TIMEOUT)
        await bus.publish(ch, b"after")
        assert await next_message(sub) == (ch, b"after")
    finally:
        await bus.close()
        server.stop()


async def test_a_peer_that_does_not_speak_resp_fails_the_publish_clearly() -> None:
    async def garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1)
        writer.write(b"HTTP/1.1 400 Bad Request\r\n\r\n")  # something else listens on the port
        await writer.drain()
        await reader.read()  # until the client hangs up
        writer.close()

    server = await asyncio.start_server(garbage, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    bus = RedisBus(f"redis://127.0.0.1:{port}/0", publish_timeout=1)
    try:
        with pytest.raises(RedisError, match="not RESP"):
            await asyncio.wait_for(bus.publish("ch", b"x"), TIMEOUT)
    finally:
        await bus.close()
        server.close()
        await server.wait_closed()


def test_a_redis_address_never_shows_its_password() -> None:
    address = Address.from_url("redis://ada:hunter2@redis.internal:6380/3")
    assert (address.host, address.port) == ("redis.internal", 6380)
    assert (address.username, address.password) == ("ada", "hunter2")
    assert "hunter2" not in repr(address)
