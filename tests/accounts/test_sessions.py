"""Refresh rotation and reuse detection, sign-out, password changes and the session list."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests.helpers import PASSWORD, signup


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def refresh(client: TestClient[Any, Any], token: str) -> tuple[int, dict[str, Any]]:
    resp = await client.post("/api/auth/refresh", json={"refresh_token": token})
    return resp.status, await resp.json()


async def test_refresh_rotates_the_pair(client: TestClient[Any, Any]) -> None:
    account = await signup(client)
    status, body = await refresh(client, account.refresh_token)
    assert status == 200
    assert body["user"]["id"] == account.user_id
    assert body["refresh_token"] != account.refresh_token
    assert (await client.get("/api/me", headers=bearer(body["access_token"]))).status == 200
    # The first access token belongs to the same session and keeps working until it expires.
    assert (await client.get("/api/me", headers=account.headers)).status == 200
    status, again = await refresh(client, body["refresh_token"])
    assert status == 200
    assert again["refresh_token"] != body["refresh_token"]


async def test_reusing_a_refresh_token_ends_the_whole_family(client: TestClient[Any, Any]) -> None:
    account = await signup(client)
    _, rotated = await refresh(client, account.refresh_token)
    status, body = await refresh(client, account.refresh_token)
    assert status == 401
    assert body["error"]["code"] == "token_reused"
    # Everything minted from that sign-in is dead now, including the pair the rotation produced.
    status, body = await refresh(client, rotated["refresh_token"])
    assert (status, body["error"]["code"]) == (401, "token_revoked")
    resp = await client.get("/api/me", headers=bearer(rotated["access_token"]))
    assert resp.status == 401
    assert (await resp.json())["error"]["code"] == "token_revoked"
    assert (await client.get("/api/me", headers=account.headers)).status == 401


async def test_reuse_leaves_other_sessions_alone(client: TestClient[Any, Any]) -> None:
    account = await signup(client)
    login = await (await client.post("/api/auth/login", json={"email": account.email, "password": PASSWORD})).json()
    await refresh(client, account.refresh_token)
    await refresh(client, account.refresh_token)
    assert (await client.get("/api/me", headers=bearer(login["access_token"]))).status == 200


async def test_logout_kills_access_and_refresh_tokens(client: TestClient[Any, Any]) -> None:
    account = await signup(client)
    resp = await client.post("/api/auth/logout", headers=account.headers)
    assert resp.status == 204
    resp = await client.get("/api/me", headers=account.headers)
    assert resp.status == 401
    assert (await resp.json())["error"]["code"] == "token_revoked"
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")
    status, body = await refresh(client, account.refresh_token)
    assert (status, body["error"]["code"]) == (401, "token_revoked")


async def test_password_change_ends_every_session_and_signs_this_client_in(client: TestClient[Any, Any]) -> None:
    account = await signup(client)
    other = await (await client.post("/api/auth/login", json={"email": account.email, "password": PASSWORD})).json()
    new_password = "a different long passphrase"
    resp = await client.post(
        "/api/auth/password",
        json={"current_password": PASSWORD, "new_password": new_password},
        headers=account.headers,
    )
    assert resp.status == 200
    fresh = await resp.json()
    for token in (account.access_token, other["access_token"]):
        assert (await client.get("/api/me", headers=bearer(token))).status == 401
    for token in (account.refresh_token, other["refresh_token"]):
        assert (await refresh(client, token))[0] == 401
    assert (await client.get("/api/me", headers=bearer(fresh["access_token"]))).status == 200
    assert (await refresh(client, fresh["refresh_token"]))[0] == 200
    old = await client.post("/api/auth/login", json={"email": account.email, "password": PASSWORD})
    assert old.status == 401
    new = await client.post("/api/auth/login", json={"email": account.email, "password": new_password})
    assert new.status == 200


async def test_password_change_needs_the_current_password_and_a_good_new_one(client: TestClient[Any, Any]) -> None:
    account = await signup(client)
    resp = await client.post(
        "/api/auth/password",
        json={"current_password": "not my password", "new_password": "a different long passphrase"},
        headers=account.headers,
    )
    assert resp.status == 403
    assert (await resp.json())["error"]["code"] == "wrong_password"
    resp = await client.post(
        "/api/auth/password", json={"current_password": PASSWORD, "new_password": "short"}, headers=account.headers
    )
    assert resp.status == 422
    assert (await client.get("/api/me", headers=account.headers)).status == 200


async def test_sessions_can_be_listed_and_ended(client: TestClient[Any, Any]) -> None:
    account = await signup(client)
    other = await (
        await client.post(
            "/api/auth/login",
            json={"email": account.email, "password": PASSWORD},
            headers={"User-Agent": "tandem-agent/1.0"},
        )
    ).json()
    listing = await (await client.get("/api/me/sessions", headers=account.headers)).json()
    by_agent = {item["user_agent"]: item for item in listing["items"]}
    assert by_agent["tandem-agent/1.0"]["current"] is False
    assert by_agent["tandem-agent/1.0"]["client_address"] == "127.0.0.1"
    assert [item["current"] for item in listing["items"]].count(True) == 1
    resp = await client.delete(f"/api/me/sessions/{by_agent['tandem-agent/1.0']['id']}", headers=account.headers)
    assert resp.status == 204
    assert (await client.get("/api/me", headers=bearer(other["access_token"]))).status == 401
    assert (await client.get("/api/me", headers=account.headers)).status == 200
    stranger = await signup(client)
    current = next(item["id"] for item in listing["items"] if item["current"])
    resp = await client.delete(f"/api/me/sessions/{current}", headers=stranger.headers)
    assert resp.status == 404
