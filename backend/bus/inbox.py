"""A subscription's bounded inbox, shared by both buses: drops the newest events when full, ends once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

_END = ("", b"")


class Inbox:
    """``(channel, data)`` events waiting for one consumer; a consumer ``maxsize`` behind loses new ones."""

    def __init__(self, maxsize: int) -> None:
        self._queue: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue(maxsize)
        self.ended = False
        self.dropped = 0
        """Events not queued because the consumer was ``maxsize`` events behind."""

    def offer(self, channel: str, data: bytes) -> None:
        try:
            self._queue.put_nowait((channel, data))
        except asyncio.QueueFull:
            # A stuck consumer must not grow memory or block publishers; it learns from ``dropped``.
            self.dropped += 1

    def end(self) -> None:
        """Nothing more is yielded; a consumer waiting now is woken even if the queue is full."""
        if self.ended:
            return
        self.ended = True
        while True:
            try:
                self._queue.put_nowait(_END)
            except asyncio.QueueFull:
                self._queue.get_nowait()
            else:
                return

    async def __aiter__(self) -> AsyncIterator[tuple[str, bytes]]:
        while not self.ended:
            item = await self._queue.get()
            if item is _END or self.ended:
                return
            yield item
