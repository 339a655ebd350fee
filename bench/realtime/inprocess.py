"""A real Tandem app in the benchmark's own process, on a throwaway SQLite store, for in-process benchmarks."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestServer

from backend.app import create_app
from backend.settings import Settings


@contextlib.asynccontextmanager
async def app_server(name: str, **overrides: Any) -> AsyncIterator[TestServer]:
    """A started test server for the app; ``overrides`` are settings (cheap Argon2 is set, as in bench/realtime)."""
    with tempfile.TemporaryDirectory(prefix=f"tandem-{name}-") as folder:
        settings = Settings(
            data_dir=Path(folder),
            database_url=f"sqlite+aiosqlite:///{folder}/tandem.db",
            secret_key="bench-" + "k" * 40,
            log_format="text",
            password_hash_memory_kib=8,
            password_hash_time_cost=1,
            password_hash_parallelism=1,
            **overrides,
        )
        server = TestServer(create_app(settings, migrate=True))
        await server.start_server()
        try:
            yield server
        finally:
            await server.close()
