"""Redis pub/sub event bus for scale-out: an event published by one backend process reaches all of them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.client import PubSub
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import RedisError

from backend.bus.inbox import Inbox
from backend.bus.memory import DEFAULT_QUEUE_SIZE

_LOG = logging.getLogger(__name__)
SUBSCRIBE_TIMEOUT = 5.0
CLOSE_TIMEOUT = 6.0
RECONNECT_DELAYS = (0.1, 0.2, 0.5, 1.0, 2.0)
"""Seconds between attempts to re-establish a lost subscription; the last one repeats."""
MAX_CONNECTIONS = 100
"""Redis connections a process opens at most (publishes share one; subscriptions hold one each)."""
PUBLISH_TIMEOUT = 5.0
"""Seconds a publish may take before it fails (the publishing client has no socket timeout of its own)."""


def connect(url: str, *, socket_timeout: float | None = 5) -> Redis:
    """A Redis client that gives up within about a second: ``/readyz`` must answer a load balancer in time.

    A brief outage (a Redis restart) is ridden out by the retries; subscriptions reconnect on their own.
    ``socket_timeout=None`` is for :class:`RedisBus`'s publishing client, which bounds each publish itself:
    redis-py applies a socket timeout by wrapping every write in a task of its own (a turn of the event loop
    and about 30 µs of CPU per command).
    """
    retry = Retry(ExponentialWithJitterBackoff(base=0.05, cap=0.5), retries=3)
    # A burst of commands beyond the pool's size waits for a connection instead of failing.
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=MAX_CONNECTIONS,
        timeout=5,
        socket_connect_timeout=2,
        socket_timeout=socket_timeout,
        retry=retry,
    )
    return Redis.from_pool(pool)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class RedisSubscription:
    """A set of channels followed over one pub/sub connection that a background task keeps alive.

    * :meth:`add` returns once Redis has confirmed the new channels while Redis is up, so an event published
      after it returns is delivered (the guarantee :class:`~backend.bus.memory.MemoryBus` gives trivially).
    * While Redis is unreachable nothing raises: the channels are kept and subscribed again when it is back.
      Events published meanwhile are lost, as pub/sub never stores them.
    * Iteration ends only with :meth:`close`. A consumer that falls ``maxsize`` events behind loses the
      newest ones (counted in :attr:`dropped`) rather than growing memory.
    """

    def __init__(self, redis: Redis, maxsize: int, on_close: Callable[[RedisSubscription], None]) -> None:
        self._redis = redis
        self._on_close = on_close
        self._inbox = Inbox(maxsize)
        self._pubsub: PubSub | None = None
        self._lock = asyncio.Lock()  # one command at a time on the pub/sub connection (reading excepted)
        self._confirmations: dict[str, list[asyncio.Future[None]]] = {}
        self._wanted = asyncio.Event()
        self._up = asyncio.Event()
        self._down = asyncio.Event()
        self._down.set()
        self._runner: asyncio.Task[None] | None = None
        self.channels: set[str] = set()
        self.closed = False
        self.failures = 0
        """Connection attempts that failed since the subscription was last up."""

    @property
    def dropped(self) -> int:
        return self._inbox.dropped

    @property
    def connected(self) -> bool:
        return self._up.is_set()

    async def wait_connected(self) -> None:
        """Until the pub/sub connection is up with every channel confirmed."""
        await self._up.wait()

    async def wait_disconnected(self) -> None:
        await self._down.wait()

    async def add(self, *channels: str) -> None:
        new = [channel for channel in dict.fromkeys(channels) if channel not in self.channels]
        if self.closed or not new:
            return
        self.channels.update(new)
        self._wanted.set()
        if self._runner is None:
            self._runner = asyncio.create_task(self._run(), name="redis-subscription")
        waiters = self._expect(new)
        async with self._lock:
            if self._pubsub is not None and not self.closed:
                try:
                    await self._pubsub.subscribe(*new)
                except (RedisError, OSError):
                    _LOG.debug("SUBSCRIBE failed; the runner renews the connection", exc_info=True)
            # Otherwise the runner subscribes to every channel as it connects.
        try:
            await asyncio.wait_for(asyncio.gather(*waiters), SUBSCRIBE_TIMEOUT)
        except ConnectionError:
            pass  # Redis is unreachable: the channels are subscribed when it is back
        except TimeoutError:
            _LOG.warning("Redis did not confirm SUBSCRIBE %s in time", new)

    async def remove(self, *channels: str) -> None:
        gone = [channel for channel in dict.fromkeys(channels) if channel in self.channels]
        if self.closed or not gone:
            return
        # Forget first: an event already in flight on a removed channel is dropped when it arrives.
        self.channels.difference_update(gone)
        async with self._lock:
            if self._pubsub is not None and not self.closed:
                try:
                    await self._pubsub.unsubscribe(*gone)
                except (RedisError, OSError):
                    _LOG.debug("UNSUBSCRIBE failed; the connection is renewed without it", exc_info=True)

    async def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._inbox.end()
        if self._runner is not None:
            self._runner.cancel()
            # Bounded: the runner's cleanup waits for a command in flight, which Redis's socket timeout ends.
            await asyncio.wait({self._runner}, timeout=CLOSE_TIMEOUT)
        self._fail_confirmations()
        self._on_close(self)

    def __aiter__(self) -> AsyncIterator[tuple[str, bytes]]:
        return aiter(self._inbox)

    # -- the connection, kept alive by one task ---------------------------------------------------------

    def _expect(self, channels: Iterable[str]) -> list[asyncio.Future[None]]:
        loop = asyncio.get_running_loop()
        waiters = []
        for channel in channels:
            waiter: asyncio.Future[None] = loop.create_future()
            self._confirmations.setdefault(channel, []).append(waiter)
            waiters.append(waiter)
        return waiters

    def _fail_confirmations(self) -> None:
        for waiters in self._confirmations.values():
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_exception(ConnectionError("the Redis subscription was interrupted"))
                    waiter.exception()  # mark retrieved: nobody may be waiting any more
        self._confirmations.clear()

    async def _run(self) -> None:
        while not self.closed:
            if not self.channels:
                self._wanted.clear()
                await self._wanted.wait()
                continue
            pubsub = self._redis.pubsub()
            try:
                async with self._lock:
                    self._pubsub = pubsub
                    waiters = self._expect(self.channels)
                    await pubsub.subscribe(*self.channels)
                await self._read(pubsub, waiters)
            except (RedisError, OSError):
                self.failures += 1
                if self.failures == 1:
                    _LOG.warning("Redis subscription lost; reconnecting in the background", exc_info=True)
            finally:
                self._up.clear()
                self._down.set()
                self._fail_confirmations()
                # Under the lock: a SUBSCRIBE or UNSUBSCRIBE in flight finishes (or times out) before the
                # connection goes, instead of writing to a connection closed under it.
                async with self._lock:
                    self._pubsub = None
                    with contextlib.suppress(RedisError, OSError):
                        await pubsub.aclose()  # type: ignore[no-untyped-call]
            await asyncio.sleep(RECONNECT_DELAYS[min(self.failures, len(RECONNECT_DELAYS)) - 1])

    async def _read(self, pubsub: PubSub, waiters: list[asyncio.Future[None]]) -> None:
        while True:
            message = await pubsub.get_message(timeout=None)
            if message is not None:
                self._dispatch(message)
            if not self._up.is_set() and all(w.done() for w in waiters):
                if self.failures:
                    _LOG.warning("Redis subscription restored after %d failed attempts", self.failures)
                self.failures = 0
                self._down.clear()
                self._up.set()

    def _dispatch(self, message: dict[str, Any]) -> None:
        kind, channel = message["type"], _text(message["channel"])
        if kind == "subscribe":
            for waiter in self._confirmations.pop(channel, []):
                if not waiter.done():
                    waiter.set_result(None)
        elif kind == "message" and channel in self.channels:
            self._inbox.offer(channel, message["data"])


def _settle(batch: list[tuple[str, bytes, asyncio.Future[None]]], error: BaseException | None) -> None:
    for _channel, _data, done in batch:
        if done.done():
            continue
        if error is None:
            done.set_result(None)
        else:
            done.set_exception(error)


class RedisBus:
    """Implements :class:`backend.ports.EventBus` over Redis PUBLISH/SUBSCRIBE.

    ``publisher`` is the client that publishes (by default ``redis``); the app gives it one made with
    ``connect(url, socket_timeout=None)``, since every publish here is bounded by :data:`PUBLISH_TIMEOUT`.
    """

    def __init__(self, redis: Redis, *, publisher: Redis | None = None, queue_size: int = DEFAULT_QUEUE_SIZE) -> None:
        self._redis = redis
        self._publisher = publisher or redis
        self._queue_size = queue_size
        self._subscriptions: set[RedisSubscription] = set()
        self._outbox: list[tuple[str, bytes, asyncio.Future[None]]] = []
        self._sender: asyncio.Task[None] | None = None
        self._publishing = False
        """A publish is on its way from its caller's own task."""

    async def publish(self, channel: str, data: bytes) -> None:
        """Returns once Redis has taken the message, or raises what Redis raised (``TimeoutError`` past
        :data:`PUBLISH_TIMEOUT`).

        When nothing else is on its way, the message leaves from the caller's task at once. Publishes made
        meanwhile go out together in the next batch, in order, over one connection, once the one before
        them has been taken: a burst of concurrent publishes costs one round trip, not one pooled connection
        each (the pool's limit made bursts of a hundred fail with "Too many connections"), and never
        overtakes an earlier publish on another connection.
        """
        if not self._publishing and self._sender is None:
            self._publishing = True
            try:
                async with asyncio.timeout(PUBLISH_TIMEOUT):
                    await self._publisher.publish(channel, data)
            finally:
                self._publishing = False
                # What was published meanwhile waited for this one: Redis keeps order per connection only,
                # and the next batch may take another of the pool's connections.
                self._start_sender()
            return
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._outbox.append((channel, data, done))
        if not self._publishing:
            self._start_sender()
        await done

    def _start_sender(self) -> None:
        if self._outbox and self._sender is None:
            self._sender = asyncio.create_task(self._send(), name="redis-publish")

    async def _send(self) -> None:
        batch: list[tuple[str, bytes, asyncio.Future[None]]] = []
        try:
            while self._outbox:
                batch, self._outbox = self._outbox, []
                try:
                    async with asyncio.timeout(PUBLISH_TIMEOUT):
                        if len(batch) == 1:  # a plain command costs less CPU than a pipeline of one
                            await self._publisher.publish(batch[0][0], batch[0][1])
                        else:
                            async with self._publisher.pipeline(transaction=False) as pipe:
                                for channel, data, _done in batch:
                                    pipe.publish(channel, data)
                                await pipe.execute()
                except (RedisError, OSError) as err:
                    _settle(batch, err)
                else:
                    _settle(batch, None)
                batch = []
        finally:
            self._sender = None
            # Cancelled (the loop is closing): nobody may wait forever for what was not sent.
            _settle(batch + self._outbox, ConnectionError("publishing was interrupted"))
            self._outbox = []

    async def subscribe(self, *channels: str) -> RedisSubscription:
        """Never fails for want of Redis: the subscription connects (again) whenever Redis answers."""
        sub = RedisSubscription(self._redis, self._queue_size, self._subscriptions.discard)
        self._subscriptions.add(sub)
        await sub.add(*channels)
        return sub

    async def ping(self) -> None:
        await self._redis.ping()

    async def close(self) -> None:
        """End every subscription; the Redis client itself is owned and closed by the app's cleanup context."""
        if self._sender is not None:
            await asyncio.wait({self._sender})  # what was published goes out first
        for sub in list(self._subscriptions):
            await sub.close()
