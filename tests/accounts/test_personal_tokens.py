"""Personal access tokens: shown once, scoped, revocable, expiring, and unable to manage credentials."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from aiohttp.test_utils import TestClient
from sqlalchemy import update
from sqlmodel import col

from backend import keys
from backend.store.models import PersonalAccessToken
from tests.accounts.conftest import app_of
from tests.helpers import Account, signup


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def create(client: TestClient[Any, Any], account: Account, scopes: list[str], **extra: Any) -> dict[str, Any]:
    resp = await client.post(
        "/api/me/tokens", json={"name": "laptop agent", "scopes": scopes, **extra}, headers=account.headers
    )
    assert resp.status == 201, await resp.text()
    body: dict[str, Any] = await resp.json()
    return body


async def test_token_is_shown_once_and_listed_without_its_secret(client: TestClient[Any, Any]) -> None:
    account = await signup(client)
    created = await create(client, account, ["read", "agent"])
    assert created["token"].startswith("tdm_pat_")
    assert created["token"].startswith(created["prefix"])
    assert created["scopes"] == ["agent", "read"]
    listing = await (await client.get("/api/me/tokens", headers=account.headers)).json()
    assert [item["id"] for item in listing["items"]] == [created["id"]]
    assert "token" not in listing["items"][0]
    assert created["token"] not in orjson_text(listing)


def orjson_text(data: Any) -> str:
    return orjson.dumps(data).decode()


async def test_scopes_limit_what_a_token_can_do(client: TestClient[Any, Any]) -> None:
    account = await signup(client)
    reader = (await create(client, account, ["read"]))["token"]
    me = await client.get("/api/me", headers=bearer(reader))
    assert me.status == 200
    assert (await me.json())["id"] == account.user_id
    resp = await client.patch("/api/me", json={"name": "Mallory"}, headers=bearer(reader))
    assert resp.status == 403
    assert (await resp.json())["error"]["code"] == "forbidden"
    writer = (await create(client, account, ["write"]))["token"]
    resp = await client.patch("/api/me", json={"name": "Still Me"}, headers=bearer(writer))
    assert resp.status == 200


async def test_tokens_cannot_manage_credentials(client: TestClient[Any, Any]) -> None:
    account = await signup(client)
    token = (await create(client, account, ["read", "write", "agent"]))["token"]
    attempts = [
        client.post("/api/me/tokens", json={"name": "more", "scopes": ["read"]}, headers=bearer(token)),
        client.get("/api/me/tokens", headers=bearer(token)),
        client.post("/api/auth/password", json={"current_password": "x", "new_password": "y"}, headers=bearer(token)),
        client.post("/api/auth/logout", headers=bearer(token)),
        client.get("/api/me/sessions", headers=bearer(token)),
    ]
    for attempt in attempts:
        resp = await attempt
        assert resp.status == 403
        assert (await resp.json())["error"]["code"] == "session_required"


async def test_revoked_token_stops_working_and_others_cannot_revoke(client: TestClient[Any, Any]) -> None:
    account = await signup(client)
    stranger = await signup(client)
    created = await create(client, account, ["read"])
    resp = await client.delete(f"/api/me/tokens/{created['id']}", headers=stranger.headers)
    assert resp.status == 404
    assert (await client.get("/api/me", headers=bearer(created["token"]))).status == 200
    resp = await client.delete(f"/api/me/tokens/{created['id']}", headers=account.headers)
    assert resp.status == 204
    resp = await client.get("/api/me", headers=bearer(created["token"]))
    assert resp.status == 401
    assert (await resp.json())["error"]["code"] == "token_revoked"
    assert (await client.delete(f"/api/me/tokens/{created['id']}", headers=account.headers)).status == 404
    assert (await (await client.get("/api/me/tokens", headers=account.headers)).json())["items"] == []


async def test_expiry(client: TestClient[Any, Any]) -> None:
    account = await signup(client)
    soon = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    created = await create(client, account, ["read"], expires_at=soon)
    assert (await client.get("/api/me", headers=bearer(created["token"]))).status == 200
    # Let the hour pass: move the stored expiry into the past.
    async with app_of(client)[keys.STORE].session() as db:
        await db.execute(
            update(PersonalAccessToken)
            .where(col(PersonalAccessToken.id) == created["id"])
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    resp = await client.get("/api/me", headers=bearer(created["token"]))
    assert resp.status == 401
    assert (await resp.json())["error"]["code"] == "token_expired"


async def test_expiry_must_be_in_the_future_and_scopes_known(client: TestClient[Any, Any]) -> None:
    account = await signup(client)
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    for body in (
        {"name": "t", "scopes": ["read"], "expires_at": past},
        {"name": "t", "scopes": ["admin"]},
        {"name": "t", "scopes": []},
        {"name": "t", "scopes": ["read"], "expires_at": "2030-01-01T00:00:00"},  # no time zone
    ):
        resp = await client.post("/api/me/tokens", json=body, headers=account.headers)
        assert resp.status == 422, body


async def test_last_used_is_recorded(client: TestClient[Any, Any]) -> None:
    account = await signup(client)
    created = await create(client, account, ["read"])
    assert created["last_used_at"] is None
    await client.get("/api/me", headers=bearer(created["token"]))
    listing = await (await client.get("/api/me/tokens", headers=account.headers)).json()
    used = datetime.fromisoformat(listing["items"][0]["last_used_at"])
    assert abs(datetime.now(UTC) - used) < timedelta(minutes=1)
