"""A lean protocol client for load generators: replies matched by id, events timestamped as they arrive."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from typing import Any

import aiohttp
import orjson

from tandem.protocol import PROTOCOL_VERSION

WAIT = 30.0
EventHandler = Callable[[dict[str, Any], float], None]


class CommandFailed(RuntimeError):
    pass


class Conn:
    """One WebSocket to the hub (or the relay); ``on_event(frame, perf_counter_at_arrival)`` sees events."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, on_event: EventHandler | None = None) -> None:
        self.ws = ws
        self.on_event = on_event
        self._ids = itertools.count(1)
        self._replies: dict[Any, asyncio.Future[dict[str, Any]]] = {}
        self.frames = 0
        self.reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self.ws:
            arrived = time.perf_counter()
            if message.type not in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY):
                break
            self.frames += 1
            frame = orjson.loads(message.data)
            if "ok" in frame:
                future = self._replies.pop(frame.get("id"), None)
                if future is not None and not future.done():
                    future.set_result(frame)
            elif self.on_event is not None:
                self.on_event(frame, arrived)
        for future in self._replies.values():
            if not future.done():
                future.set_exception(ConnectionError(f"connection closed ({self.ws.close_code})"))
        self._replies.clear()

    def prepare(self, type_: str, **fields: Any) -> tuple[bytes, asyncio.Future[dict[str, Any]]]:
        """A command's frame, ready to send, and the future that gets its reply."""
        message_id = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._replies[message_id] = future
        return orjson.dumps({"id": message_id, "type": type_, **fields}), future

    async def send(self, type_: str, **fields: Any) -> asyncio.Future[dict[str, Any]]:
        """Send a command; the returned future gets its reply frame."""
        frame, future = self.prepare(type_, **fields)
        await self.ws.send_bytes(frame)
        return future

    async def call(self, type_: str, **fields: Any) -> dict[str, Any]:
        reply = await asyncio.wait_for(await self.send(type_, **fields), WAIT)
        if not reply.get("ok"):
            raise CommandFailed(f"{type_}: {reply.get('error')}")
        result: dict[str, Any] = reply["result"]
        return result

    async def hello(self) -> dict[str, Any]:
        return await self.call("hello", protocol=PROTOCOL_VERSION, client="bench")

    async def close(self) -> None:
        await self.ws.close()
        self.reader.cancel()
        await asyncio.gather(self.reader, return_exceptions=True)


async def connect(
    session: aiohttp.ClientSession,
    url: str,
    token: str | None = None,
    *,
    on_event: EventHandler | None = None,
    hello: bool = True,
) -> Conn:
    """Open ``url`` (``ws://host:port/api/ws``) with a bearer token and, for the hub, say hello."""
    headers = {"Authorization": f"Bearer {token}"} if token else None
    ws = await session.ws_connect(url, headers=headers, autoping=True, heartbeat=None, max_msg_size=0)
    conn = Conn(ws, on_event)
    if hello:
        await conn.hello()
    return conn


def session(limit: int = 0) -> aiohttp.ClientSession:
    """A client session without a connection limit (the load generators hold thousands of sockets)."""
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=limit, force_close=False))
