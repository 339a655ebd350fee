"""Registration and sign-in: response shape, email rules, the password policy and indistinguishable failures."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests.helpers import PASSWORD, signup


async def test_register_returns_user_and_token_pair(client: TestClient[Any, Any]) -> None:
    resp = await client.post(
        "/api/auth/register", json={"email": "  Ada@Example.COM ", "password": PASSWORD, "name": "Ada"}
    )
    assert resp.status == 201
    body = await resp.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 900
    assert body["user"]["email"] == "ada@example.com"
    assert body["user"]["name"] == "Ada"
    assert body["user"]["time_zone"] == "UTC"
    assert "password_hash" not in body["user"]
    me = await client.get("/api/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status == 200
    assert (await me.json())["id"] == body["user"]["id"]


async def test_duplicate_email_is_409_whatever_the_case(client: TestClient[Any, Any]) -> None:
    await signup(client, "grace@example.com")
    resp = await client.post("/api/auth/register", json={"email": "GRACE@example.com", "password": PASSWORD})
    assert resp.status == 409
    assert (await resp.json())["error"]["code"] == "email_taken"


async def test_password_policy(client: TestClient[Any, Any]) -> None:
    cases = [("short", "too_short"), ("x" * 1025, "too_long"), ("Password1", "common"), ("pat@example.com", "common")]
    for password, kind in cases:
        resp = await client.post("/api/auth/register", json={"email": "pat@example.com", "password": password})
        assert resp.status == 422
        error = (await resp.json())["error"]
        assert error["code"] == "invalid"
        assert error["details"] == [{"loc": ["password"], "msg": error["message"], "type": kind}]


async def test_long_passphrases_and_any_characters_are_fine(client: TestClient[Any, Any]) -> None:
    passphrase = "ünïcödé and spaces are fine " * 36  # 1008 characters
    resp = await client.post("/api/auth/register", json={"email": "long@example.com", "password": passphrase})
    assert resp.status == 201
    resp = await client.post("/api/auth/login", json={"email": "long@example.com", "password": passphrase})
    assert resp.status == 200


async def test_invalid_email_is_422(client: TestClient[Any, Any]) -> None:
    for email in ["no-at-sign", "two@@example.com", "a@localhost", "a b@example.com", "a@-x-.com"]:
        resp = await client.post("/api/auth/register", json={"email": email, "password": PASSWORD})
        assert resp.status == 422, email
        assert (await resp.json())["error"]["details"][0]["loc"] == ["email"]


async def test_login_is_case_insensitive_and_opens_a_new_session(client: TestClient[Any, Any]) -> None:
    account = await signup(client, "linus@example.com")
    resp = await client.post("/api/auth/login", json={"email": "Linus@Example.com", "password": PASSWORD})
    assert resp.status == 200
    body = await resp.json()
    assert body["user"]["id"] == account.user_id
    sessions = await client.get("/api/me/sessions", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert len((await sessions.json())["items"]) == 2


async def test_unknown_email_and_wrong_password_look_the_same(client: TestClient[Any, Any]) -> None:
    await signup(client, "known@example.com")
    wrong = await client.post("/api/auth/login", json={"email": "known@example.com", "password": "not it at all"})
    unknown = await client.post("/api/auth/login", json={"email": "nobody@example.com", "password": PASSWORD})
    assert wrong.status == unknown.status == 401
    assert (await wrong.json())["error"] == (await unknown.json())["error"]
    assert (await wrong.json())["error"]["code"] == "invalid_credentials"
