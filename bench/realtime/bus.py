"""What a publish and a received message cost a backend process on the Redis bus, beside a bare socket's cost.

uv run python -m bench.realtime.bus [--messages 4000] [--rounds 3]

In scale-out every process publishes each update its own clients send and reads every update of every
process, its own included. Two measurements, on a throwaway redis-server, in CPU time of this process:

* publish: one awaited publish after another, as a process at the editors' pace publishes one update at a
  time. The floor is a bare asyncio protocol that writes a PUBLISH packed by hiredis and settles a future
  with the parsed reply.
* receive: another process publishes at a steady pace, so most messages arrive alone, each a wake-up of the
  event loop, until the consumer has taken them all. The floor is the same bare protocol counting what
  hiredis parses.

Each variant runs once a round, each round starting with the next one; the table gives the median of the
rounds' means. A publish costs less when Redis answers before the event loop goes to sleep, so the publish
rows swing from run to run by more than the receive rows.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar, cast

import hiredis
from redis.asyncio import Redis

from backend.bus.redis import RedisBus
from backend.bus.resp import pack_command
from bench.realtime.procs import stack
from tandem.loops import new_event_loop

WARMUP = 200
_PACED_PUBLISHER = r"""
import socket, sys, time
host, port, channel = sys.argv[1], int(sys.argv[2]), sys.argv[3].encode()
count, size = int(sys.argv[4]), int(sys.argv[5])
data = b"x" * size
command = b"*3\r\n$7\r\nPUBLISH\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(channel), channel, len(data), data)
sock = socket.create_connection((host, port))
replies = sock.makefile("rb")
time.sleep(0.2)  # the subscriber is listening by now
for _ in range(count):
    sock.sendall(command)
    replies.readline()
    time.sleep(0.0003)
"""

Publish = Callable[[str, bytes], Awaitable[object]]
Receive = Callable[[str, "_Counter"], Awaitable[None]]
"""Subscribes to a channel and counts what arrives until the counter has seen it all."""
FLOOR = "floor: bare protocol + hiredis"
T = TypeVar("T")


async def _publish_cost(publish: Publish, messages: int, size: int) -> float:
    """Microseconds of this thread's CPU per publish, each awaited before the next."""
    data = b"x" * size
    for _ in range(WARMUP):
        await publish("bench:publish", data)
    started = time.thread_time()
    for _ in range(messages):
        await publish("bench:publish", data)
    return (time.thread_time() - started) / messages * 1e6


class _Bare(asyncio.Protocol):
    """The least a client can do: write what it is given, parse what comes back with hiredis, count or answer."""

    def __init__(self, on_reply: Callable[[object], None]) -> None:
        self.parser = hiredis.Reader()
        self.on_reply = on_reply
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        self.parser.feed(data)
        while (reply := self.parser.gets()) is not False:
            self.on_reply(reply)


async def _bare_publisher(host: str, port: int) -> tuple[Publish, Callable[[], None]]:
    loop = asyncio.get_running_loop()
    waiting: list[asyncio.Future[object]] = []
    transport, _protocol = await loop.create_connection(
        lambda: _Bare(lambda reply: waiting.pop(0).set_result(reply)), host, port
    )

    def publish(channel: str, data: bytes) -> asyncio.Future[object]:
        waiter: asyncio.Future[object] = loop.create_future()
        waiting.append(waiter)
        transport.write(pack_command(("PUBLISH", channel, data)))
        return waiter

    return publish, transport.close


def _paced(host: str, port: int, channel: str, messages: int, size: int) -> subprocess.Popen[bytes]:
    argv = [sys.executable, "-c", _PACED_PUBLISHER, host, str(port), channel, str(messages + WARMUP), str(size)]
    return subprocess.Popen(argv)


class _Counter:
    """Counts messages; starts the clock after the warm-up and stops it at the last one."""

    def __init__(self, messages: int) -> None:
        self.total = messages + WARMUP
        self.seen = 0
        self.started = 0.0
        self.cpu = 0.0
        self.done = asyncio.Event()

    def tick(self) -> None:
        self.seen += 1
        if self.seen == WARMUP:
            self.started = time.thread_time()
        elif self.seen == self.total:
            self.cpu = time.thread_time() - self.started
            self.done.set()


async def _receive_tandem(url: str, channel: str, counter: _Counter, *, listen: bool) -> None:
    bus = RedisBus(url)
    sub = await bus.subscribe(channel)
    try:
        if listen:
            sub.listen(lambda _channel, _data: counter.tick())
            await counter.done.wait()
        else:
            async for _item in sub:
                counter.tick()
                if counter.done.is_set():
                    break
    finally:
        await bus.close()


async def _receive_redis_py(url: str, channel: str, counter: _Counter) -> None:
    client = Redis.from_url(url)
    pubsub = client.pubsub()
    await pubsub.subscribe(channel)
    try:
        while not counter.done.is_set():
            message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=None)
            if message is not None:
                counter.tick()
    finally:
        await pubsub.aclose()  # type: ignore[no-untyped-call]
        await client.aclose()


async def _receive_bare(host: str, port: int, channel: str, counter: _Counter) -> None:
    replies = 0

    def count(_reply: object) -> None:
        nonlocal replies
        replies += 1
        if replies > 1:  # the first is SUBSCRIBE's confirmation
            counter.tick()

    transport, _protocol = await asyncio.get_running_loop().create_connection(lambda: _Bare(count), host, port)
    transport.write(pack_command(("SUBSCRIBE", channel)))
    try:
        await counter.done.wait()
    finally:
        transport.close()


async def _receive_cost(receive: Receive, host: str, port: int, channel: str, messages: int, size: int) -> float:
    counter = _Counter(messages)
    consumer = asyncio.create_task(receive(channel, counter))
    await asyncio.sleep(0.1)  # subscribed before the publisher starts (it waits 0.2 s more)
    publisher = _paced(host, port, channel, messages, size)
    try:
        await asyncio.wait_for(consumer, 60)
    finally:
        publisher.kill()
        publisher.wait()
    return counter.cpu / messages * 1e6


def _rotated(variants: dict[str, T], round_: int) -> list[tuple[str, T]]:
    """Each round starts with the next variant, so none always runs first or after the same one."""
    items = list(variants.items())
    shift = round_ % len(items)
    return items[shift:] + items[:shift]


async def run(messages: int, rounds: int, size: int) -> list[tuple[str, str, float, float]]:
    async with stack() as owned:
        url = await owned.redis()
        host, port = "127.0.0.1", int(url.rsplit(":", 1)[1].split("/")[0])
        bus = RedisBus(url)
        client = Redis.from_url(url)
        bare, close_bare = await _bare_publisher(host, port)
        publishers: dict[str, Publish] = {
            "tandem RedisBus.publish": bus.publish,
            "redis-py Redis.publish": client.publish,
            FLOOR: bare,
        }
        receivers: dict[str, Receive] = {
            "tandem subscription, listen()": lambda ch, c: _receive_tandem(url, ch, c, listen=True),
            "tandem subscription, async for": lambda ch, c: _receive_tandem(url, ch, c, listen=False),
            "redis-py PubSub.get_message": lambda ch, c: _receive_redis_py(url, ch, c),
            FLOOR: lambda ch, c: _receive_bare(host, port, ch, c),
        }
        sent: dict[str, list[float]] = {name: [] for name in publishers}
        received: dict[str, list[float]] = {name: [] for name in receivers}
        try:
            for round_ in range(rounds):
                for name, publish in _rotated(publishers, round_):
                    sent[name].append(await _publish_cost(publish, messages, size))
                for name, receive in _rotated(receivers, round_):
                    channel = f"bench:{name}"  # a channel of its own, so no variant hears another's leftovers
                    received[name].append(await _receive_cost(receive, host, port, channel, messages, size))
        finally:
            await bus.close()
            await client.aclose()
            close_bare()
    rows = []
    publish_floor = statistics.median(sent[FLOOR])
    for name, values in sent.items():
        rows.append(("publish", name, statistics.median(values), statistics.median(values) / publish_floor))
    receive_floor = statistics.median(received[FLOOR])
    for name, values in received.items():
        rows.append(("receive", name, statistics.median(values), statistics.median(values) / receive_floor))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=4000, help="messages measured per variant and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--size", type=int, default=400, help="bytes per message (an update is 300-600)")
    args = parser.parse_args()
    loop = new_event_loop()
    try:
        rows = loop.run_until_complete(run(args.messages, args.rounds, args.size))
    finally:
        loop.close()
    print(f"\n{args.rounds} rounds of {args.messages} messages of {args.size} bytes; CPU of this process\n")
    print("| what | variant | µs per message (median of rounds) | ratio to the floor |")
    print("| --- | --- | ---: | ---: |")
    for what, name, cost, ratio in rows:
        print(f"| {what} | {name} | {cost:.1f} | {ratio:.2f}x |")


if __name__ == "__main__":
    main()
