"""A small protocol client for tests: send commands, await replies and events with timeouts."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from typing import Any

import aiohttp
import orjson

from tandem.protocol import PROTOCOL_VERSION

WAIT = 5.0


class ProtocolClient:
    """Wraps an aiohttp WebSocket: replies are matched by id, events are queued."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self._ids = itertools.count(1)
        self._replies: dict[Any, asyncio.Future[dict[str, Any]]] = {}
        self.events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.orphans: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.closed: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self.ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                break
            frame = orjson.loads(message.data)
            if "ok" in frame:
                future = self._replies.pop(frame.get("id"), None)
                if future is not None and not future.done():
                    future.set_result(frame)
                else:
                    await self.orphans.put(frame)
            else:
                await self.events.put(frame)
        if not self.closed.done():
            self.closed.set_result(self.ws.close_code)

    async def send_raw(self, data: str | bytes) -> None:
        if isinstance(data, bytes):
            data = data.decode()
        await self.ws.send_str(data)

    async def request(self, type_: str, **fields: Any) -> dict[str, Any]:
        message_id = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._replies[message_id] = future
        await self.ws.send_bytes(orjson.dumps({"id": message_id, "type": type_, **fields}))
        return await asyncio.wait_for(future, WAIT)

    async def call(self, type_: str, **fields: Any) -> dict[str, Any]:
        """Send a command and return its result, failing the test on an error reply."""
        reply = await self.request(type_, **fields)
        assert reply["ok"], reply
        result: dict[str, Any] = reply["result"]
        return result

    async def hello(self, **fields: Any) -> dict[str, Any]:
        return await self.call("hello", protocol=PROTOCOL_VERSION, client="tests", **fields)

    async def event(self, predicate: Callable[[dict[str, Any]], bool] = lambda _e: True) -> dict[str, Any]:
        """The next event that matches, skipping others."""

        async def wait() -> dict[str, Any]:
            while True:
                event = await self.events.get()
                if predicate(event):
                    return event

        return await asyncio.wait_for(wait(), WAIT)

    async def wait_closed(self) -> int | None:
        return await asyncio.wait_for(asyncio.shield(self.closed), WAIT)

    async def close(self) -> None:
        await self.ws.close()
        self._reader.cancel()
        await asyncio.gather(self._reader, return_exceptions=True)
