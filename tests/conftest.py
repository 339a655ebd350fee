"""Shared fixtures: settings for both stores, a running app with a client, real PostgreSQL and Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any

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
from tests.helpers import Account
from tests.hub.wsclient import ProtocolClient

TEST_KEY = "test-secret-key-" + "x" * 32
_ORIGINS: dict[str, str] = {}


def run_blocking(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run a coroutine to completion from sync code, even when an event loop is running in this thread."""
    return services.run_sync(coro)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say which PostgreSQL and Redis the run used, so a surprising result can be traced to its server."""
    if _ORIGINS:
        terminalreporter.write_sep("-", "test services")
    for name, origin in sorted(_ORIGINS.items()):
        terminalreporter.write_line(f"{name}: {origin}")


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """A PostgreSQL server for the whole run (env, local port, or a throwaway one); its admin database's URL."""
    try:
        with services.postgres_server() as (url, origin):
            _ORIGINS["postgres"] = f"{origin} ({make_url(url).render_as_string(hide_password=True)})"
            yield url
    except services.ServiceMissing as err:
        pytest.fail(f"PostgreSQL is needed: {err}", pytrace=False)


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A Redis server for the whole run (env, local port, or a throwaway one)."""
    try:
        with services.redis_server() as (url, origin):
            _ORIGINS["redis"] = f"{origin} ({url})"
            yield url
    except services.ServiceMissing as err:
        pytest.fail(f"Redis is needed: {err}", pytrace=False)


@pytest.fixture(scope="session")
def service_urls(postgres_server_url: str, redis_url: str) -> services.ServiceUrls:
    return services.ServiceUrls(postgres_server_url, redis_url)


@pytest.fixture(scope="session")
def postgres_url(postgres_server_url: str) -> Iterator[str]:
    """A throwaway database on the PostgreSQL server, migrated to head, dropped at the end of the run."""
    with services.scratch_database(postgres_server_url) as url:
        run_blocking(upgrade_async(url))
        yield url


@pytest.fixture
def empty_postgres_url(postgres_server_url: str) -> Iterator[str]:
    """A fresh, empty (not migrated) database for one test, dropped afterwards."""
    with services.scratch_database(postgres_server_url) as url:
        yield url


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
        # Argon2 at its minimum cost: tests check rules, not hashing strength (production keeps RFC 9106's).
        values.update(password_hash_memory_kib=8, password_hash_time_cost=1, password_hash_parallelism=1)
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


Connect = Callable[..., Awaitable[ProtocolClient]]


@pytest.fixture
async def connect() -> AsyncIterator[Connect]:
    """``await connect(client, account)``: an authenticated WebSocket (bearer on the upgrade) after hello.

    ``headers=`` gives other credentials (another session, a personal token); ``hello=False`` stops before it.
    """
    opened: list[ProtocolClient] = []

    async def make(
        client: TestClient[Any, Any],
        account: Account | None = None,
        *,
        hello: bool = True,
        headers: dict[str, str] | None = None,
    ) -> ProtocolClient:
        all_headers = dict(account.headers if account else {})
        all_headers.update(headers or {})
        ws = await client.ws_connect("/api/ws", headers=all_headers)
        proto = ProtocolClient(ws)
        opened.append(proto)
        if hello:
            await proto.hello()
        return proto

    yield make
    for proto in opened:
        await proto.close()
