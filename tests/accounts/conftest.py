"""Fixtures for the account tests: cheap password hashing, and services that run on a shifted clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from backend import keys
from backend.services.accounts import AccountService
from backend.settings import Settings

FAST_HASHING = {"password_hash_memory_kib": 8, "password_hash_time_cost": 1, "password_hash_parallelism": 1}

ServiceAt = Callable[[TestClient[Any, Any], timedelta], AccountService]


@pytest.fixture
def settings(make_settings: Callable[..., Settings], database_url: str) -> Settings:
    """The suite's settings with Argon2 at its minimum cost: the tests check rules, not hashing strength."""
    return make_settings(database_url=database_url, **FAST_HASHING)


def app_of(client: TestClient[Any, Any]) -> web.Application:
    app: web.Application = client.app
    return app


def service_of(client: TestClient[Any, Any]) -> AccountService:
    return app_of(client)[keys.SERVICES].accounts


@pytest.fixture
def service_at() -> ServiceAt:
    """An account service sharing the app's store and counters, whose clock is shifted by ``offset``."""

    def make(client: TestClient[Any, Any], offset: timedelta) -> AccountService:
        app = app_of(client)
        return AccountService(
            settings=app[keys.SETTINGS],
            store=app[keys.STORE],
            bus=app[keys.BUS],
            counters=app[keys.COUNTERS],
            clock=lambda: datetime.now(UTC) + offset,
        )

    return make
