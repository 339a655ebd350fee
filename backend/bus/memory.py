"""In-process event bus for the embedded mode: channels fan out to subscriber queues on one event loop."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator

DEFAULT_QUEUE_SIZE = 10_000
_CLOSED = ("", b"")


class MemorySubscription:
    """A subscriber's bounded queue; the bus puts ``(channel, data)`` on it for each channel it follows."""

    def __init__(self, bus: MemoryBus, maxsize: int) -> None:
        self._bus = bus
        self._queue: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue(maxsize)
        self.channels: set[str] = set()
        self.closed = False
        self.dropped = 0
        """Messages not queued because the subscriber was ``maxsize`` messages behind."""

    def deliver(self, channel: str, data: bytes) -> None:
        try:
            self._queue.put_nowait((channel, data))
        except asyncio.QueueFull:
            # A stuck consumer must not grow memory or block publishers; it learns from ``dropped``.
            self.dropped += 1

    async def add(self, *channels: str) -> None:
        if not self.closed:
            self._bus.attach(self, channels)

    async def remove(self, *channels: str) -> None:
        self._bus.detach(self, channels)

    async def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._bus.forget(self)
        # Wake a pending iterator even if the queue is full.
        while True:
            try:
                self._queue.put_nowait(_CLOSED)
                break
            except asyncio.QueueFull:
                self._queue.get_nowait()

    async def __aiter__(self) -> AsyncIterator[tuple[str, bytes]]:
        while not self.closed:
            item = await self._queue.get()
            if item is _CLOSED or self.closed:
                return
            yield item


class MemoryBus:
    """Implements :class:`backend.ports.EventBus` within one process."""

    def __init__(self, *, queue_size: int = DEFAULT_QUEUE_SIZE) -> None:
        self._queue_size = queue_size
        self._subscribers: defaultdict[str, set[MemorySubscription]] = defaultdict(set)
        self._all: set[MemorySubscription] = set()

    def attach(self, sub: MemorySubscription, channels: tuple[str, ...]) -> None:
        for channel in channels:
            self._subscribers[channel].add(sub)
            sub.channels.add(channel)

    def detach(self, sub: MemorySubscription, channels: tuple[str, ...]) -> None:
        for channel in channels:
            subs = self._subscribers.get(channel)
            if subs is not None:
                subs.discard(sub)
                if not subs:
                    del self._subscribers[channel]
            sub.channels.discard(channel)

    def forget(self, sub: MemorySubscription) -> None:
        self.detach(sub, tuple(sub.channels))
        self._all.discard(sub)

    @property
    def channel_count(self) -> int:
        """Channels with at least one subscriber (nothing is kept for channels nobody follows)."""
        return len(self._subscribers)

    async def publish(self, channel: str, data: bytes) -> None:
        for sub in tuple(self._subscribers.get(channel, ())):
            sub.deliver(channel, data)

    async def subscribe(self, *channels: str) -> MemorySubscription:
        sub = MemorySubscription(self, self._queue_size)
        self._all.add(sub)
        self.attach(sub, channels)
        return sub

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        """End every subscription, including those that follow no channel yet."""
        for sub in list(self._all):
            await sub.close()
