"""A subscription's bounded inbox, shared by both buses: drops the newest events when full, ends once."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable

_LOG = logging.getLogger(__name__)
_END = ("", b"")

Handler = Callable[[str, bytes], None]


class Inbox:
    """``(channel, data)`` events waiting for one consumer; a consumer ``maxsize`` behind loses new ones."""

    def __init__(self, maxsize: int) -> None:
        self._queue: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue(maxsize)
        self.ended = False
        self.dropped = 0
        """Events not queued because the consumer was ``maxsize`` events behind."""
        self._handler: Handler | None = None

    def listen(self, handler: Handler) -> None:
        """From now on call ``handler`` with each event as it arrives, after those already queued, instead
        of queueing it: no task wakes and no turn of the event loop passes between the bus and the handler.

        The handler runs on the bus's reader and must not block; an exception it raises is logged and the
        next event is delivered as usual.
        """
        while not self._queue.empty():
            item = self._queue.get_nowait()
            if item is not _END:
                self._call(handler, *item)
        self._handler = handler

    def _call(self, handler: Handler, channel: str, data: bytes) -> None:
        try:
            handler(channel, data)
        except Exception:  # noqa: BLE001 - one bad event must not stop the events after it
            _LOG.exception("a subscriber failed to take an event on %s", channel)

    def offer(self, channel: str, data: bytes) -> None:
        if self._handler is not None:
            if not self.ended:
                self._call(self._handler, channel, data)
            return
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
