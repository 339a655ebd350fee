"""In-process event bus for the embedded mode: channels fan out to subscriber queues on one event loop."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator

from backend.bus.inbox import Handler, Inbox

DEFAULT_QUEUE_SIZE = 10_000


class MemorySubscription:
    """A subscriber's bounded queue; the bus puts ``(channel, data)`` on it for each channel it follows."""

    def __init__(self, bus: MemoryBus, maxsize: int) -> None:
        self._bus = bus
        self._inbox = Inbox(maxsize)
        self.channels: set[str] = set()
        self.closed = False

    @property
    def dropped(self) -> int:
        """Messages not queued because the subscriber was ``maxsize`` messages behind."""
        return self._inbox.dropped

    def deliver(self, channel: str, data: bytes) -> None:
        self._inbox.offer(channel, data)

    def listen(self, handler: Handler) -> None:
        self._inbox.listen(handler)

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
        self._inbox.end()

    def __aiter__(self) -> AsyncIterator[tuple[str, bytes]]:
        return aiter(self._inbox)


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
