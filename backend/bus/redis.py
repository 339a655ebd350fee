"""Redis pub/sub event bus for scale-out: an event published by one backend process reaches all of them."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Iterable
from typing import Any

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import RedisError

from backend.bus.inbox import Handler, Inbox
from backend.bus.memory import DEFAULT_QUEUE_SIZE
from backend.bus.resp import Address, RespConnection, open_connection

_LOG = logging.getLogger(__name__)
SUBSCRIBE_TIMEOUT = 5.0
CLOSE_TIMEOUT = 6.0
RECONNECT_DELAYS = (0.1, 0.2, 0.5, 1.0, 2.0)
"""Seconds between attempts to re-establish a lost subscription; the last one repeats."""
MAX_CONNECTIONS = 100
"""Connections the redis-py client of a process opens at most (the bus has its own: see RedisBus)."""
PUBLISH_TIMEOUT = 5.0
"""Seconds a publish may take, finding a connection included, before it fails."""
PUBLISH_RETRIES = (0.0, 0.05, 0.2, 0.5)
"""Seconds before each attempt to open the publishing connection, within PUBLISH_TIMEOUT (a Redis restart)."""


def connect(url: str) -> Redis:
    """A Redis client that gives up within about a second: ``/readyz`` must answer a load balancer in time.

    It serves presence, counters and working-copy states; the bus speaks to Redis over connections of its
    own. A brief outage (a Redis restart) is ridden out by the retries.
    """
    retry = Retry(ExponentialWithJitterBackoff(base=0.05, cap=0.5), retries=3)
    # A burst of commands beyond the pool's size waits for a connection instead of failing.
    pool = BlockingConnectionPool.from_url(
        url,
        max_connections=MAX_CONNECTIONS,
        timeout=5,
        socket_connect_timeout=2,
        socket_timeout=5,
        retry=retry,
    )
    return Redis.from_pool(pool)


class RedisSubscription:
    r"""A set of channels followed over one pub/sub connection that a background task keeps alive.

    * :meth:`add` returns once Redis has confirmed the new channels while Redis is up, so an event published
      after it returns is delivered (the guarantee :class:`~backend.bus.memory.MemoryBus` gives trivially).
    * While Redis is unreachable nothing raises: the channels are kept and subscribed again when it is back.
      Events published meanwhile are lost, as pub/sub never stores them.
    * Iteration ends only with :meth:`close`. A consumer that falls ``maxsize`` events behind loses the
      newest ones (counted in :attr:`dropped`) rather than growing memory; one that :meth:`listen`\ s is
      called as each event is read from the socket.
    """

    def __init__(self, address: Address, maxsize: int, on_close: Callable[[RedisSubscription], None]) -> None:
        self._address = address
        self._on_close = on_close
        self._inbox = Inbox(maxsize)
        self._conn: RespConnection | None = None
        self._confirmations: dict[str, list[asyncio.Future[None]]] = {}
        self._unconfirmed: set[str] = set()
        """Channels the current connection has yet to confirm before the subscription counts as up."""
        self._wanted = asyncio.Event()
        self._up = asyncio.Event()
        self._down = asyncio.Event()
        self._down.set()
        self._runner: asyncio.Task[None] | None = None
        self._names: dict[bytes, str] = {}
        """The followed channels as Redis names them in a push, to their names here."""
        self.closed = False
        self.failures = 0
        """Connection attempts that failed since the subscription was last up."""

    @property
    def dropped(self) -> int:
        return self._inbox.dropped

    @property
    def channels(self) -> set[str]:
        return set(self._names.values())

    @property
    def connected(self) -> bool:
        return self._up.is_set()

    async def wait_connected(self) -> None:
        """Until the pub/sub connection is up with every channel confirmed."""
        await self._up.wait()

    async def wait_disconnected(self) -> None:
        await self._down.wait()

    def listen(self, handler: Handler) -> None:
        self._inbox.listen(handler)

    async def add(self, *channels: str) -> None:
        new = [channel for channel in dict.fromkeys(channels) if channel.encode() not in self._names]
        if self.closed or not new:
            return
        self._names.update((channel.encode(), channel) for channel in new)
        self._wanted.set()
        if self._runner is None:
            self._runner = asyncio.create_task(self._run(), name="redis-subscription")
        waiters = self._expect(new)
        if self._conn is not None and self._conn.open:
            self._conn.subscribe(*new)
        # Otherwise the runner subscribes to every channel as it connects.
        try:
            await asyncio.wait_for(asyncio.gather(*waiters), SUBSCRIBE_TIMEOUT)
        except ConnectionError:
            pass  # Redis is unreachable: the channels are subscribed when it is back
        except TimeoutError:
            _LOG.warning("Redis did not confirm SUBSCRIBE %s in time", new)

    async def remove(self, *channels: str) -> None:
        gone = [channel for channel in dict.fromkeys(channels) if channel.encode() in self._names]
        if self.closed or not gone:
            return
        # Forget first: an event already in flight on a removed channel is dropped when it arrives.
        for channel in gone:
            del self._names[channel.encode()]
        if self._conn is not None:
            self._conn.unsubscribe(*gone)  # a connection renewed later subscribes without them

    async def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._inbox.end()
        if self._runner is not None:
            self._runner.cancel()
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
            if not self._names:
                self._wanted.clear()
                await self._wanted.wait()
                continue
            try:
                conn = await open_connection(self._address, on_push=self._push)
            except (RedisError, OSError) as err:
                self._fail_confirmations()  # add() returns now: the channels are subscribed once Redis is back
                self._lost(err)
            else:
                self._conn = conn
                self._unconfirmed = self.channels
                conn.subscribe(*self._unconfirmed)
                try:
                    await conn.wait_lost()
                finally:
                    self._conn = None
                    conn.close()
                    self._up.clear()
                    self._down.set()
                    self._fail_confirmations()
                self._lost(conn.error)
            if not self.closed:
                await asyncio.sleep(RECONNECT_DELAYS[min(self.failures, len(RECONNECT_DELAYS)) - 1])

    def _lost(self, error: BaseException | None) -> None:
        self.failures += 1
        if self.failures == 1 and not self.closed:
            _LOG.warning("Redis subscription lost; reconnecting in the background: %s", error)

    def _push(self, reply: Any) -> None:
        """Called by the connection for each push it reads, in order."""
        if not isinstance(reply, list) or len(reply) < 2:
            _LOG.warning("unexpected reply on a Redis subscription: %.100r", reply)
            return
        kind = reply[0]
        if kind == b"message":
            name = self._names.get(reply[1])
            if name is not None:
                self._inbox.offer(name, reply[2])
        elif kind == b"subscribe":
            channel = reply[1].decode()
            for waiter in self._confirmations.pop(channel, []):
                if not waiter.done():
                    waiter.set_result(None)
            self._unconfirmed.discard(channel)
            if not self._unconfirmed and not self._up.is_set():
                if self.failures:
                    _LOG.warning("Redis subscription restored after %d failed attempts", self.failures)
                self.failures = 0
                self._down.clear()
                self._up.set()


class Publisher:
    """Publishes over one connection of its own, opened on first use and again after it is lost.

    Each publish is written at once, without waiting for the replies before it: Redis answers in order, so a
    burst costs one round trip, and order is kept because there is one connection. Publishes made while the
    connection is being opened wait in a backlog written, in order, as it opens.
    """

    def __init__(self, address: Address, *, timeout: float = PUBLISH_TIMEOUT) -> None:
        self._address = address
        self._timeout = timeout
        self._conn: RespConnection | None = None
        self._backlog: list[tuple[tuple[str | bytes, ...], asyncio.Future[Any]]] = []
        self._opening: asyncio.Task[None] | None = None

    def request(self, *args: str | bytes) -> asyncio.Future[Any]:
        """Send a command; the future fails with ``OSError`` (``TimeoutError`` included) or a ``RedisError``."""
        conn = self._conn
        if conn is not None and conn.open and not self._backlog:
            return conn.request(*args)
        waiter: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._backlog.append((args, waiter))
        if self._opening is None:
            self._opening = asyncio.create_task(self._open(), name="redis-publisher")
        return waiter

    async def _open(self) -> None:
        error: BaseException = ConnectionError("Redis could not be reached")
        try:
            async with asyncio.timeout(self._timeout):
                for delay in PUBLISH_RETRIES:
                    await asyncio.sleep(delay)
                    try:
                        conn = await open_connection(self._address, reply_timeout=self._timeout)
                    except OSError as err:
                        error = ConnectionError(f"Redis could not be reached: {err}")
                        continue
                    except RedisError as err:  # a refused AUTH, say: Redis's own words say why
                        error = err
                        continue
                    self._conn = conn
                    backlog, self._backlog = self._backlog, []
                    for args, waiter in backlog:
                        conn.request(*args, waiter=waiter)
                    return
        except TimeoutError:
            error = TimeoutError(f"Redis could not be reached within {self._timeout:g} s")
        finally:
            self._opening = None
            # Cancelled, failed or timed out: nobody may wait forever for what was not sent.
            backlog, self._backlog = self._backlog, []
            for _args, waiter in backlog:
                if not waiter.done():
                    waiter.set_exception(error)
                    waiter.exception()  # its caller may have stopped waiting

    async def close(self) -> None:
        if self._opening is not None:
            self._opening.cancel()  # what waits for the connection fails now instead of after the timeout
            await asyncio.wait({self._opening})
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class RedisBus:
    """Implements :class:`backend.ports.EventBus` over Redis PUBLISH/SUBSCRIBE.

    The bus holds its own connections, on an asyncio protocol parsed by hiredis (:mod:`backend.bus.resp`):
    one for publishing and one per subscription. redis-py's client costs several times the socket's own work
    per message (a pooled connection, retries, a coroutine per reply); a scale-out process sends and reads
    every working copy's every update, so that cost was the largest part of what scale-out added.
    """

    def __init__(
        self, url: str, *, queue_size: int = DEFAULT_QUEUE_SIZE, publish_timeout: float = PUBLISH_TIMEOUT
    ) -> None:
        self._address = Address.from_url(url)
        self._queue_size = queue_size
        self._publisher = Publisher(self._address, timeout=publish_timeout)
        self._subscriptions: set[RedisSubscription] = set()

    async def publish(self, channel: str, data: bytes) -> None:
        """Returns once Redis has taken the message, or raises (``TimeoutError`` past the publish timeout)."""
        await self._publisher.request("PUBLISH", channel, data)

    async def subscribe(self, *channels: str) -> RedisSubscription:
        """Never fails for want of Redis: the subscription connects (again) whenever Redis answers."""
        sub = RedisSubscription(self._address, self._queue_size, self._subscriptions.discard)
        self._subscriptions.add(sub)
        await sub.add(*channels)
        return sub

    async def ping(self) -> None:
        await self._publisher.request("PING")

    async def close(self) -> None:
        """End every subscription and the publishing connection (what was published has been written)."""
        for sub in list(self._subscriptions):
            await sub.close()
        await self._publisher.close()
