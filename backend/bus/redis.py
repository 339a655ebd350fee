"""Redis pub/sub event bus for scale-out: an event published by one backend process reaches all of them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import RedisError

from backend.bus.memory import DEFAULT_QUEUE_SIZE

_LOG = logging.getLogger(__name__)
_CLOSED = ("", b"")
SUBSCRIBE_TIMEOUT = 10.0


def connect(url: str) -> Redis:
    """A Redis client that gives up within about a second: ``/readyz`` must answer a load balancer in time.

    A brief outage (a Redis restart) is ridden out by the retries, and subscriptions are renewed on reconnect.
    """
    retry = Retry(ExponentialWithJitterBackoff(base=0.05, cap=0.5), retries=3)
    return Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5, retry=retry)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class RedisSubscription:
    """One pub/sub connection, read by its own task into a bounded queue; iterating yields until closed.

    :meth:`add` returns once Redis has confirmed the subscription, so an event published after it returns
    is delivered (the guarantee :class:`~backend.bus.memory.MemoryBus` gives trivially). If Redis goes away
    for longer than the client's retries, iteration ends and :attr:`error` tells why.
    """

    def __init__(self, pubsub: PubSub, maxsize: int, on_close: Callable[[RedisSubscription], None]) -> None:
        self._pubsub = pubsub
        self._on_close = on_close
        self._queue: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue(maxsize)
        self._confirmations: dict[str, list[asyncio.Future[None]]] = {}
        self._reader: asyncio.Task[None] | None = None
        self.channels: set[str] = set()
        self.closed = False
        self.dropped = 0
        self.error: BaseException | None = None

    async def add(self, *channels: str) -> None:
        new = [channel for channel in dict.fromkeys(channels) if channel not in self.channels]
        if self.closed or not new:
            return
        loop = asyncio.get_running_loop()
        waiters = []
        for channel in new:
            waiter: asyncio.Future[None] = loop.create_future()
            self._confirmations.setdefault(channel, []).append(waiter)
            waiters.append(waiter)
        self.channels.update(new)
        try:
            await self._pubsub.subscribe(*new)
            if self._reader is None:
                # The pub/sub connection exists only from the first SUBSCRIBE on; reading before that fails.
                self._reader = asyncio.create_task(self._read(), name="redis-subscription-reader")
            await asyncio.wait_for(asyncio.gather(*waiters), timeout=SUBSCRIBE_TIMEOUT)
        except BaseException:
            self.channels.difference_update(new)
            for channel in new:
                self._confirmations.pop(channel, None)
            raise

    async def remove(self, *channels: str) -> None:
        gone = [channel for channel in channels if channel in self.channels]
        if self.closed or not gone:
            return
        # Forget first: a message already in flight for a removed channel is dropped by the reader.
        self.channels.difference_update(gone)
        await self._pubsub.unsubscribe(*gone)

    async def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.wait({self._reader})
        await self._pubsub.aclose()  # type: ignore[no-untyped-call]
        self._end()

    def _end(self) -> None:
        """Fail pending confirmations, wake the iterator (even if the queue is full), tell the bus."""
        self._on_close(self)
        for waiters in self._confirmations.values():
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_exception(ConnectionError("the subscription was closed"))
        self._confirmations.clear()
        while True:
            try:
                self._queue.put_nowait(_CLOSED)
                break
            except asyncio.QueueFull:
                self._queue.get_nowait()

    async def _read(self) -> None:
        try:
            while True:
                message = await self._pubsub.get_message(timeout=None)
                if message is not None:
                    self._dispatch(message)
        except (RedisError, OSError) as err:
            _LOG.warning("Redis subscription lost; its subscribers are disconnected", exc_info=True)
            self.error = err
            self.closed = True
            await self._close_quietly()
            self._end()

    async def _close_quietly(self) -> None:
        with contextlib.suppress(RedisError, OSError):
            await self._pubsub.aclose()  # type: ignore[no-untyped-call]

    def _dispatch(self, message: dict[str, Any]) -> None:
        kind, channel = message["type"], _text(message["channel"])
        if kind == "subscribe":
            for waiter in self._confirmations.pop(channel, []):
                if not waiter.done():
                    waiter.set_result(None)
        elif kind == "message" and channel in self.channels:
            try:
                self._queue.put_nowait((channel, message["data"]))
            except asyncio.QueueFull:
                self.dropped += 1

    async def __aiter__(self) -> AsyncIterator[tuple[str, bytes]]:
        while True:
            item = await self._queue.get()
            # After close() nothing more is yielded; after a lost connection, what arrived is drained first.
            if item is _CLOSED or (self.closed and self.error is None):
                return
            yield item


class RedisBus:
    """Implements :class:`backend.ports.EventBus` over Redis PUBLISH/SUBSCRIBE."""

    def __init__(self, redis: Redis, *, queue_size: int = DEFAULT_QUEUE_SIZE) -> None:
        self._redis = redis
        self._queue_size = queue_size
        self._subscriptions: set[RedisSubscription] = set()

    async def publish(self, channel: str, data: bytes) -> None:
        await self._redis.publish(channel, data)

    async def subscribe(self, *channels: str) -> RedisSubscription:
        sub = RedisSubscription(self._redis.pubsub(), self._queue_size, self._subscriptions.discard)
        self._subscriptions.add(sub)
        try:
            await sub.add(*channels)
        except BaseException:
            await sub.close()
            raise
        return sub

    async def ping(self) -> None:
        await self._redis.ping()

    async def close(self) -> None:
        """End every subscription; the Redis client itself is owned and closed by the app's cleanup context."""
        for sub in list(self._subscriptions):
            await sub.close()
