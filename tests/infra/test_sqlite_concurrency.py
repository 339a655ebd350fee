"""The embedded store when SQLite's write lock stays taken: a clear 503 to retry, never a 500."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from tests.helpers import PASSWORD


@pytest.mark.parametrize("store_kind", ["sqlite"], indirect=True)
async def test_a_held_write_lock_is_a_503_with_retry_after(make_client: Any, database_url: str) -> None:
    client = await make_client(sqlite_busy_timeout_ms=50)
    path = database_url.split(":///", 1)[1]
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another writer (a backup, a migration) keeps the lock
    try:
        resp = await client.post(
            "/api/auth/register", json={"email": "late@example.com", "password": PASSWORD, "name": "late"}
        )
        body = await resp.json()
        assert resp.status == 503, body
        assert body["error"]["code"] == "unavailable"
        assert int(resp.headers["Retry-After"]) >= 1
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    resp = await client.post(
        "/api/auth/register", json={"email": "late@example.com", "password": PASSWORD, "name": "late"}
    )
    assert resp.status == 201, await resp.json()  # nothing was half-written by the refused attempt
