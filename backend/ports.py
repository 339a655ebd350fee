"""Ports to the outside world: the protocols services depend on, with implementations wired in the app factory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession


class Subscription(Protocol):
    """A live subscription to some bus channels; iterate it for ``(channel, data)`` pairs."""

    def __aiter__(self) -> AsyncIterator[tuple[str, bytes]]: ...

    def listen(self, handler: Callable[[str, bytes], None]) -> None:
        """Hand each event to ``handler`` as it arrives instead of queueing it for iteration (see Inbox)."""

    async def add(self, *channels: str) -> None: ...

    async def remove(self, *channels: str) -> None: ...

    async def close(self) -> None: ...


class EventBus(Protocol):
    """Publish/subscribe between everything in the service; in-process or Redis pub/sub."""

    async def publish(self, channel: str, data: bytes) -> None: ...

    async def subscribe(self, *channels: str) -> Subscription: ...

    async def ping(self) -> None:
        """Raise if the bus cannot be reached (used by ``/readyz``)."""

    async def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Hit:
    """Outcome of counting one attempt against a limit."""

    count: int
    allowed: bool
    retry_after: int


class Counters(Protocol):
    """Windowed counters shared by every backend process (rate limits, brute-force protection)."""

    async def hit(self, key: str, *, limit: int, window: int) -> Hit:
        """Count one attempt under ``key``; ``allowed`` is False once ``limit`` is passed within ``window`` s."""

    async def peek(self, key: str, *, limit: int) -> Hit:
        """Tell whether ``key`` is over ``limit`` without counting."""

    async def reset(self, key: str) -> None: ...


class Store(Protocol):
    """The relational store: SQLite (embedded) or PostgreSQL (scale-out), through SQLAlchemy sessions."""

    def session(self) -> AbstractAsyncContextManager[AsyncSession]:
        """Open a session in a transaction that commits on success and rolls back on error."""

    async def ping(self) -> None:
        """Raise if the database cannot be reached."""

    async def close(self) -> None: ...
