"""Fixtures for hub tests: connect protocol clients for signed-up accounts."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.helpers import Account
from tests.hub.wsclient import ProtocolClient

Connect = Callable[..., Awaitable[ProtocolClient]]


@pytest.fixture
async def connect() -> AsyncIterator[Connect]:
    """``await connect(client, account)``: an authenticated WebSocket (bearer on the upgrade) after hello."""
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
