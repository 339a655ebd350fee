"""The SQL store closes cleanly: a connection cancelled at shutdown does not outlive the store's event loop."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from backend.store.db import SqlStore


async def test_close_waits_for_a_connection_cancelled_while_opening(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As at shutdown, when a background task is cancelled while its first connection is being opened.

    The opening goes on in aiosqlite's thread and then reports to the event loop: if ``close()`` returned
    before, the report would hit a closed loop later, failing some other test.
    """
    store = SqlStore.from_url(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}")
    assert store.workers is not None
    entered, release = threading.Event(), threading.Event()
    real_connect = sqlite3.connect

    def slow_connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        entered.set()
        release.wait(10)
        connection: sqlite3.Connection = real_connect(*args, **kwargs)
        return connection

    monkeypatch.setattr(sqlite3, "connect", slow_connect)

    async def query() -> None:
        async with store.session() as session:
            await session.execute(text("SELECT 1"))

    task = asyncio.create_task(query())
    assert await asyncio.to_thread(entered.wait, 10)  # the worker thread is opening the database now
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    threads = store.workers.threads()
    assert any(t.is_alive() for t in threads)

    closing = asyncio.create_task(store.close())
    # A negative check needs a window: close() must still be waiting while the thread is busy.
    await asyncio.wait({closing}, timeout=0.5)
    assert not closing.done(), "SqlStore.close() returned while a worker thread was still busy"
    release.set()
    await asyncio.wait_for(closing, 15)
    assert not any(t.is_alive() for t in threads), "a worker thread outlived SqlStore.close()"


async def test_store_works_on_both_dialects(database_url: str) -> None:
    store = SqlStore.from_url(database_url)
    try:
        await store.ping()
        async with store.session() as session:
            assert (await session.execute(text("SELECT 1"))).scalar() == 1
    finally:
        await store.close()
