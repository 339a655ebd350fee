"""Revoking a session takes effect at once everywhere: cached sessions, other processes, open WebSockets."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from backend import keys
from tandem.protocol import CloseCode
from tests.conftest import Connect
from tests.helpers import signup


async def test_a_cached_session_is_refused_as_soon_as_it_is_signed_out(client: TestClient[Any, Any]) -> None:
    account = await signup(client)
    assert (await client.get("/api/me", headers=account.headers)).status == 200
    cache = client.app[keys.SERVICES].accounts.sessions.cache
    hits = cache.hits
    assert (await client.get("/api/me", headers=account.headers)).status == 200
    assert cache.hits == hits + 1  # the second request asked no database
    assert (await client.post("/api/auth/logout", headers=account.headers)).status == 204
    resp = await client.get("/api/me", headers=account.headers)
    assert resp.status == 401
    assert (await resp.json())["error"]["code"] == "token_revoked"


async def test_signing_out_closes_that_sessions_websockets_only(client: TestClient[Any, Any], connect: Connect) -> None:
    account = await signup(client)
    login = await client.post("/api/auth/login", json={"email": account.email, "password": account.password})
    other_session = {"Authorization": f"Bearer {(await login.json())['access_token']}"}
    doomed = await connect(client, account)
    survivor = await connect(client, headers=other_session)
    assert (await client.post("/api/auth/logout", headers=account.headers)).status == 204
    assert await doomed.wait_closed() == CloseCode.UNAUTHENTICATED
    assert await survivor.call("ping") == {}


@pytest.mark.redis
async def test_a_revocation_in_one_process_reaches_the_others(
    make_client: Any, redis_url: str, connect: Connect
) -> None:
    first = await make_client(redis_url=redis_url)
    second = await make_client(redis_url=redis_url)
    account = await signup(first)
    assert (await second.get("/api/me", headers=account.headers)).status == 200  # now cached in the second
    socket = await connect(second, account)
    resp = await first.post(
        "/api/auth/password",
        json={"current_password": account.password, "new_password": "another long passphrase"},
        headers=account.headers,
    )
    assert resp.status == 200, await resp.text()
    assert await socket.wait_closed() == CloseCode.UNAUTHENTICATED
    resp = await second.get("/api/me", headers=account.headers)
    assert resp.status == 401


async def test_revoking_a_personal_token_closes_the_agents_connected_with_it(
    client: TestClient[Any, Any], connect: Connect
) -> None:
    account = await signup(client)
    tokens = []
    for name in ("laptop agent", "desktop agent"):
        resp = await client.post(
            "/api/me/tokens", json={"name": name, "scopes": ["read", "write"]}, headers=account.headers
        )
        assert resp.status == 201, await resp.text()
        tokens.append(await resp.json())
    revoked = await connect(client, headers={"Authorization": f"Bearer {tokens[0]['token']}"})
    kept = await connect(client, headers={"Authorization": f"Bearer {tokens[1]['token']}"})
    resp = await client.delete(f"/api/me/tokens/{tokens[0]['id']}", headers=account.headers)
    assert resp.status == 204
    assert await revoked.wait_closed() == CloseCode.UNAUTHENTICATED
    assert await kept.call("ping") == {}
