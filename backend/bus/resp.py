"""One Redis connection on an asyncio protocol, parsed by hiredis: pipelined requests, or pub/sub pushes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

import hiredis
from redis.asyncio.connection import SSLConnection, parse_url
from redis.exceptions import ResponseError

_LOG = logging.getLogger(__name__)
CONNECT_TIMEOUT = 2.0
"""Seconds to open a connection and authenticate on it."""
REPLY_TIMEOUT = 5.0
"""Seconds Redis may take to answer before the connection is taken for dead and dropped."""
HEALTH_EVERY = 10.0
"""Seconds a subscribed connection may stay silent before a PING asks whether Redis is still there."""

Push = Callable[[Any], None]


def pack_command(args: tuple[str | bytes | int, ...]) -> bytes:
    """One command in the Redis protocol, as hiredis packs it."""
    packed: bytes = hiredis.pack_command(args)  # type: ignore[arg-type]  # its stub allows one element only
    return packed


@dataclass(frozen=True, slots=True)
class Address:
    """Where and as whom to connect, read from a ``redis://``, ``rediss://`` or ``unix://`` URL.

    Pub/sub ignores the URL's database number: channels are shared by every database of a server.
    """

    host: str = "localhost"
    port: int = 6379
    path: str | None = None
    tls: bool = False
    username: str | None = None
    password: str | None = field(default=None, repr=False)  # never in a log line

    @classmethod
    def from_url(cls, url: str) -> Address:
        options = parse_url(url)  # redis-py's own reading, so both clients agree on what a URL means
        return cls(
            host=options.get("host") or "localhost",
            port=int(options.get("port") or 6379),
            path=options.get("path"),
            tls=options.get("connection_class") is SSLConnection,
            username=options.get("username"),
            password=options.get("password"),
        )

    def auth(self) -> tuple[str, ...] | None:
        if self.password is None:
            return None
        return ("AUTH", self.username, self.password) if self.username else ("AUTH", self.password)


class RespConnection(asyncio.Protocol):
    """Replies settle requests in the order these were written; after :meth:`subscribe`, every reply is a push.

    Each chunk read is parsed at once and each push handed to ``on_push`` from the protocol's callback: no
    task, queue or turn of the event loop between the socket and the subscriber. Requests are written as they
    are made, never waiting for the replies before them. A connection that owes a reply for
    ``reply_timeout`` seconds, or that stays silent after a PING while subscribed, is dropped.
    """

    def __init__(self, on_push: Push | None = None, *, reply_timeout: float | None = None) -> None:
        self._loop = asyncio.get_running_loop()
        self._parser = hiredis.Reader(replyError=ResponseError)
        self._transport: asyncio.Transport | None = None
        self._waiting: deque[tuple[float, asyncio.Future[Any]]] = deque()
        self._on_push = on_push
        self._subscribed = False
        self._reply_timeout = REPLY_TIMEOUT if reply_timeout is None else reply_timeout
        self._timer: asyncio.TimerHandle | None = None
        self._heard = self._loop.time()
        self._pinged: float | None = None
        self._lost = asyncio.Event()
        self.error: BaseException | None = None
        """Why the connection was lost, when it was not closed on purpose."""

    @property
    def open(self) -> bool:
        return self._transport is not None

    # -- asyncio.Protocol ---------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's transports do not subclass asyncio's

    def data_received(self, data: bytes) -> None:
        self._parser.feed(data)
        try:
            while (reply := self._parser.gets()) is not False:
                if self._subscribed:
                    self._heard = self._loop.time()
                    self._pinged = None
                    self._push(reply)
                elif self._waiting:
                    _sent, waiter = self._waiting.popleft()
                    if waiter.done():
                        continue  # its caller gave up waiting
                    if isinstance(reply, ResponseError):
                        waiter.set_exception(reply)
                    else:
                        waiter.set_result(reply)
                else:
                    self.abort(ResponseError(f"Redis sent a reply nobody asked for: {reply!r:.100}"))
                    return
        except hiredis.ProtocolError as err:
            self.abort(ResponseError(f"Redis sent something that is not RESP: {err}"))

    def _push(self, reply: Any) -> None:
        if self._on_push is None:
            return
        try:
            self._on_push(reply)
        except Exception:  # noqa: BLE001 - the messages after it must still be read
            # Not the push itself: a replicated report may carry a member's shared diff.
            _LOG.exception("a Redis push could not be handled (a %s)", type(reply).__name__)

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self.error is None and exc is not None:
            self.error = exc
        self._fail_waiting(self.error or ConnectionError("the connection to Redis was closed"))
        self._lost.set()

    # -- requests -----------------------------------------------------------------------------------

    def request(self, *args: str | bytes | int, waiter: asyncio.Future[Any] | None = None) -> asyncio.Future[Any]:
        """Write one command now; the future gets its reply (a ``ResponseError`` for an error reply)."""
        if waiter is None:
            waiter = self._loop.create_future()
        if self._transport is None or self._subscribed:
            if not waiter.done():
                waiter.set_exception(self.error or ConnectionError("this Redis connection cannot take requests"))
            return waiter
        self._transport.write(pack_command(args))
        now = self._loop.time()
        self._waiting.append((now, waiter))
        if self._timer is None:
            self._timer = self._loop.call_at(now + self._reply_timeout, self._check_replies)
        return waiter

    def _check_replies(self) -> None:
        self._timer = None
        if not self._waiting:
            return
        oldest = self._waiting[0][0]
        if oldest + self._reply_timeout <= self._loop.time():
            self.abort(TimeoutError(f"Redis did not answer within {self._reply_timeout:g} s"))
        else:
            self._timer = self._loop.call_at(oldest + self._reply_timeout, self._check_replies)

    def _fail_waiting(self, error: BaseException) -> None:
        while self._waiting:
            _sent, waiter = self._waiting.popleft()
            if not waiter.done():
                waiter.set_exception(error)

    # -- pub/sub ------------------------------------------------------------------------------------

    def subscribe(self, *channels: str) -> None:
        """Enter subscriber mode (once nothing is owed); Redis confirms each channel with a push."""
        if not self._subscribed:
            if self._waiting:
                raise RuntimeError("subscribe only once every reply has arrived")
            self._subscribed = True
            self._heard = self._loop.time()
            if self._timer is not None:
                self._timer.cancel()  # the watchdog of the replies before (AUTH): none is owed any more
            if self._transport is not None:
                self._timer = self._loop.call_later(HEALTH_EVERY, self._check_health)
        self.send("SUBSCRIBE", *channels)

    def unsubscribe(self, *channels: str) -> None:
        self.send("UNSUBSCRIBE", *channels)

    def send(self, *args: str | bytes | int) -> None:
        """Write a command whose answer arrives as a push (subscriber mode); nothing when closed."""
        if self._transport is not None:
            self._transport.write(pack_command(args))

    def _check_health(self) -> None:
        self._timer = None
        if self._transport is None:
            return
        now = self._loop.time()
        if self._pinged is not None and now - self._pinged >= self._reply_timeout:
            self.abort(TimeoutError(f"Redis did not answer a PING within {self._reply_timeout:g} s"))
            return
        if self._pinged is None and now - self._heard >= HEALTH_EVERY:
            self._pinged = now
            self.send("PING")  # answered with a push, ["pong", ""], even in subscriber mode
        delay = self._reply_timeout if self._pinged is not None else HEALTH_EVERY - (now - self._heard)
        self._timer = self._loop.call_later(max(delay, 0.01), self._check_health)

    # -- ending -------------------------------------------------------------------------------------

    def abort(self, error: BaseException) -> None:
        """Drop the connection now; what is owed fails with ``error``."""
        self.error = error
        self._fail_waiting(error)
        if self._transport is not None:
            self._transport.abort()

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()

    async def wait_lost(self) -> None:
        await self._lost.wait()


async def open_connection(
    address: Address, *, on_push: Push | None = None, reply_timeout: float | None = None
) -> RespConnection:
    """Connect and authenticate within :data:`CONNECT_TIMEOUT`; raises ``OSError`` or a ``RedisError``."""
    loop = asyncio.get_running_loop()

    def protocol() -> RespConnection:
        return RespConnection(on_push, reply_timeout=reply_timeout)

    conn: RespConnection | None = None
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT):
            if address.path is not None:
                _transport, conn = await loop.create_unix_connection(protocol, address.path)
            else:
                context = ssl.create_default_context() if address.tls else None
                _transport, conn = await loop.create_connection(protocol, address.host, address.port, ssl=context)
            auth = address.auth()
            if auth is not None:
                await conn.request(*auth)
    except BaseException:
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.abort(ConnectionError("not opened"))
        raise
    return conn
