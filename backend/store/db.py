"""The SQL store: one async SQLAlchemy engine for SQLite (embedded) or PostgreSQL (scale-out)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import aiosqlite
import orjson
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from backend.errors import Unavailable

_WORKER_JOIN_TIMEOUT = 10.0
"""Seconds to wait for a SQLite worker thread at close; a statement waits at most busy_timeout (5 s) for a lock."""


BUSY_TIMEOUT_MS = 5000
"""How long a SQLite statement waits for another connection's write lock before giving up."""


def _sqlite_pragmas(busy_timeout_ms: int) -> Any:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        # WAL lets readers run beside the writer; foreign keys are off by default in SQLite.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return on_connect


_AFTER_COMMIT = "tandem.after_commit"


def after_commit(session: AsyncSession, callback: Callable[[], Awaitable[None]]) -> None:
    """Run ``callback`` once the session's transaction has committed (never if it rolls back).

    For what must not be seen before the data is: an event saying a session was revoked, for example.
    """
    session.info.setdefault(_AFTER_COMMIT, []).append(callback)


def _locked(err: OperationalError) -> bool:
    return "database is locked" in str(err.orig) or "database is busy" in str(err.orig)


class SqliteWorkers:
    """The aiosqlite connections an engine opened, each with the thread that runs its statements.

    A task cancelled mid-statement (at shutdown) gives its connection up, but the thread finishes the statement
    and then hands the result to the event loop. :meth:`join` lets every such thread end while the loop still
    runs; otherwise the thread fails on a closed loop, later and somewhere else.
    """

    def __init__(self) -> None:
        # Held strongly: a connection dropped mid-statement is still running on its thread.
        self._connections: list[aiosqlite.Connection] = []

    def connect(self, engine: AsyncEngine) -> aiosqlite.Connection:
        """The engine's ``async_creator``: the same connection SQLAlchemy would open, remembered first."""
        args, options = engine.dialect.create_connect_args(engine.url)
        connection = aiosqlite.connect(*args, **options)
        connection._thread.daemon = True  # as SQLAlchemy does: never keep the interpreter from exiting
        self._connections = [c for c in self._connections if c._thread.is_alive() or not c._thread.ident]
        self._connections.append(connection)
        return connection

    def threads(self) -> list[threading.Thread]:
        return [c._thread for c in self._connections]

    async def join(self) -> None:
        """Stop every connection still open (the engine is disposed) and wait for its thread to end."""
        for connection in self._connections:
            thread = connection._thread
            if thread.ident is None or not thread.is_alive():
                continue
            if connection._running:
                connection.stop()
            await asyncio.to_thread(thread.join, _WORKER_JOIN_TIMEOUT)
        self._connections.clear()
        await asyncio.sleep(0)  # run the callbacks the threads scheduled


def _json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


def make_engine(
    url: str, *, workers: SqliteWorkers | None = None, busy_timeout_ms: int = BUSY_TIMEOUT_MS, **kwargs: Any
) -> AsyncEngine:
    """Create an engine with the settings each dialect needs; SQLite connections are tracked in ``workers``."""
    # JSON columns (finding details, settings, preferences) through orjson: the recorder writes thousands a second.
    kwargs.setdefault("json_serializer", _json_text)
    kwargs.setdefault("json_deserializer", orjson.loads)
    if url.startswith("sqlite"):
        engine: AsyncEngine
        if workers is not None:
            engine = create_async_engine(url, async_creator=lambda: workers.connect(engine), **kwargs)
        else:
            engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas(busy_timeout_ms))
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


class SqlStore:
    """Implements :class:`backend.ports.Store` for both dialects."""

    def __init__(self, engine: AsyncEngine, workers: SqliteWorkers | None = None) -> None:
        self.engine = engine
        self.workers = workers
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)

    @classmethod
    def from_url(cls, url: str, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS, **kwargs: Any) -> SqlStore:
        if url.startswith("sqlite"):
            workers = SqliteWorkers()
            return cls(make_engine(url, workers=workers, busy_timeout_ms=busy_timeout_ms, **kwargs), workers)
        return cls(make_engine(url, **kwargs))

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        try:
            async with self._sessions() as session, session.begin():
                yield session
        except OperationalError as err:
            if _locked(err):  # SQLite's write lock stayed taken past the busy timeout: busy, not broken
                raise Unavailable("the database is busy; try again in a moment") from err
            raise
        for callback in session.info.pop(_AFTER_COMMIT, ()):
            await callback()

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def close(self) -> None:
        await self.engine.dispose()
        if self.workers is not None:
            await self.workers.join()
