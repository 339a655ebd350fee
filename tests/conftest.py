"""Shared fixtures: settings for both stores, a running app with a client, real PostgreSQL and Redis."""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

from backend.app import create_app
from backend.settings import Settings
from backend.store.db import make_engine
from backend.store.migrate import upgrade_async
from tests import services

TEST_KEY = "test-secret-key-" + "x" * 32


def run_blocking(coro: Awaitable[Any]) -> Any:
    """Run a coroutine to completion from sync code, even when an event loop is running in this thread."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def service_urls() -> services.ServiceUrls:
    return services.discover()


@pytest.fixture(scope="session")
def postgres_url(service_urls: services.ServiceUrls) -> Iterator[str]:
    """A throwaway database on the real PostgreSQL server, migrated to head, dropped at the end of the run."""
    if service_urls.postgres is None:
        pytest.fail("PostgreSQL is needed: set TANDEM_TEST_DATABASE_URL or run it on 127.0.0.1:5432")
    server = make_url(service_urls.postgres)
    name = services.scratch_database_name()
    admin_dsn = server.set(drivername="postgresql").render_as_string(hide_password=False)

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(admin_dsn)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    run_blocking(admin(f'CREATE DATABASE "{name}"'))
    url = server.set(database=name).render_as_string(hide_password=False)
    run_blocking(upgrade_async(url))
    yield url
    run_blocking(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def redis_url(service_urls: services.ServiceUrls) -> str:
    if service_urls.redis is None:
        pytest.fail("Redis is needed: set TANDEM_TEST_REDIS_URL or run it on 127.0.0.1:6379")
    return service_urls.redis


async def _truncate_all(url: str) -> None:
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            names = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
            await conn.execute(text(f"TRUNCATE {names} CASCADE"))
    finally:
        await engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def store_kind(request: pytest.FixtureRequest) -> str:
    """Run the test once on each store; use it (through ``settings``) for anything that persists."""
    return str(request.param)


@pytest.fixture
async def database_url(store_kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if store_kind == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'tandem.db'}"
        await upgrade_async(url)
        return url
    url = str(request.getfixturevalue("postgres_url"))
    await _truncate_all(url)
    return url


@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {"data_dir": tmp_path / "data", "secret_key": TEST_KEY, "log_format": "text"}
        values.update(overrides)
        return Settings(**values)

    return make


@pytest.fixture
def settings(make_settings: Callable[..., Settings], database_url: str) -> Settings:
    return make_settings(database_url=database_url)


ClientFactory = Callable[..., Awaitable[TestClient[Any, Any]]]


@pytest.fixture
async def make_client(settings: Settings) -> AsyncIterator[ClientFactory]:
    """Start the real app on a free port; ``await make_client(**setting_overrides)`` gives a client to it."""
    clients: list[TestClient[Any, Any]] = []

    async def make(**overrides: Any) -> TestClient[Any, Any]:
        app_settings = settings.model_copy(update=overrides) if overrides else settings
        client = TestClient(TestServer(create_app(app_settings, migrate=False)))
        await client.start_server()
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


@pytest.fixture
async def client(make_client: ClientFactory) -> TestClient[Any, Any]:
    return await make_client()
