"""Fixtures for the account tests: the app's account service, and copies of it running on a shifted clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from backend import keys
from backend.services.accounts import AccountService

ServiceAt = Callable[[TestClient[Any, Any], timedelta], AccountService]


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
