"""Tokens that must be refused: expired, forged, of another type, for a deleted account, or plain garbage."""

from __future__ import annotations

import base64
import hmac
from datetime import timedelta
from typing import Any

import jwt
import orjson
from aiohttp.test_utils import TestClient
from sqlalchemy import delete
from sqlmodel import col

from backend import keys
from backend.services.accounts.sessions import ClientInfo
from backend.store.models import User
from tests.accounts.conftest import ServiceAt, app_of, service_of
from tests.conftest import TEST_KEY
from tests.helpers import PASSWORD, Account, signup


def claims_of(token: str) -> dict[str, Any]:
    decoded: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return decoded


def forge(claims: dict[str, Any], *, key: str = TEST_KEY, algorithm: str = "HS256", typ: str = "at+jwt") -> str:
    return jwt.encode(claims, key, algorithm=algorithm, headers={"typ": typ})


def _part(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(data)).rstrip(b"=").decode()


def unsigned(claims: dict[str, Any], typ: str = "at+jwt") -> str:
    """An ``alg: none`` token, written by hand because no careful library will produce one."""
    return f"{_part({'alg': 'none', 'typ': typ})}.{_part(claims)}."


def signed_with(claims: dict[str, Any], algorithm: str, digest: str) -> str:
    """Signed with the right key but another HMAC (PyJWT will not use this short a key for HS384/HS512)."""
    signing_input = f"{_part({'alg': algorithm, 'typ': 'at+jwt'})}.{_part(claims)}"
    mac = hmac.new(TEST_KEY.encode(), signing_input.encode(), digest).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


async def error_code(client: TestClient[Any, Any], token: str) -> str:
    resp = await client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert resp.status == 401, await resp.text()
    code: str = (await resp.json())["error"]["code"]
    return code


async def refresh_error(client: TestClient[Any, Any], token: str) -> str:
    resp = await client.post("/api/auth/refresh", json={"refresh_token": token})
    assert resp.status == 401, await resp.text()
    code: str = (await resp.json())["error"]["code"]
    return code


async def test_expired_access_token(client: TestClient[Any, Any], service_at: ServiceAt) -> None:
    account = await signup(client)
    earlier = service_at(client, -timedelta(seconds=901))
    pair = await earlier.login(email=account.email, password=PASSWORD, client=ClientInfo())
    assert await error_code(client, pair.access_token) == "token_expired"
    # Its refresh token is still good: that is how a client gets a new access token.
    resp = await client.post("/api/auth/refresh", json={"refresh_token": pair.refresh_token})
    assert resp.status == 200


async def test_expired_refresh_token(client: TestClient[Any, Any], service_at: ServiceAt) -> None:
    account = await signup(client)
    long_ago = service_at(client, -timedelta(days=31))
    pair = await long_ago.login(email=account.email, password=PASSWORD, client=ClientInfo())
    assert await refresh_error(client, pair.refresh_token) == "token_expired"
    assert await error_code(client, pair.access_token) == "token_expired"


async def test_a_token_from_the_future_is_refused(client: TestClient[Any, Any], service_at: ServiceAt) -> None:
    account = await signup(client)
    later = service_at(client, timedelta(minutes=5))
    pair = await later.login(email=account.email, password=PASSWORD, client=ClientInfo())
    assert await error_code(client, pair.access_token) == "token_invalid"


async def test_claims_are_checked(client: TestClient[Any, Any]) -> None:
    account = await signup(client)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"iss": "https://evil.example"}, "at+jwt"),
        ({"aud": "tandem:refresh"}, "at+jwt"),
        ({"typ": "refresh"}, "at+jwt"),
        ({}, "rt+jwt"),
        ({}, "JWT"),
        ({"sub": None}, "at+jwt"),
        ({"sid": None}, "at+jwt"),
    ]
    for change, typ in cases:
        claims = {**claims_of(account.access_token), **change}
        claims = {k: v for k, v in claims.items() if v is not None}
        assert await error_code(client, forge(claims, typ=typ)) == "token_invalid", (change, typ)


async def test_a_correctly_forged_token_passes_so_the_other_cases_mean_something(client: TestClient[Any, Any]) -> None:
    account = await signup(client)
    claims = claims_of(account.access_token)
    for token in (forge(claims), signed_with(claims, "HS256", "sha256")):
        resp = await client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
        assert resp.status == 200


async def test_wrong_key_none_and_other_algorithms(client: TestClient[Any, Any]) -> None:
    account = await signup(client)
    claims = claims_of(account.access_token)
    assert await error_code(client, forge(claims, key="another-key-of-the-same-length-" + "y" * 17)) == "token_invalid"
    assert await error_code(client, signed_with(claims, "HS512", "sha512")) == "token_invalid"
    assert await error_code(client, signed_with(claims, "HS384", "sha384")) == "token_invalid"
    assert await error_code(client, unsigned(claims)) == "token_invalid"


async def test_tokens_cannot_stand_in_for_each_other(client: TestClient[Any, Any]) -> None:
    account = await signup(client)
    assert await error_code(client, account.refresh_token) == "token_invalid"
    assert await refresh_error(client, account.access_token) == "token_invalid"
    ticket = await service_of(client).mint_ws_ticket(account.user_id)
    assert await error_code(client, ticket) == "token_invalid"
    assert await refresh_error(client, ticket) == "token_invalid"


async def test_garbage(client: TestClient[Any, Any]) -> None:
    for token in ["garbage", "a.b.c", "tdm_pat_unknown", "x" * 5000, "e30.e30.e30"]:
        assert await error_code(client, token) == "token_invalid", token


async def test_malformed_authorization_header(client: TestClient[Any, Any]) -> None:
    account = await signup(client)
    resp = await client.get("/api/me", headers={"Authorization": f"Basic {account.access_token}"})
    assert resp.status == 401
    assert (await client.get("/api/me")).status == 401


async def test_a_deleted_users_tokens_fail(client: TestClient[Any, Any]) -> None:
    account = await signup(client)
    pat = await create_pat(client, account, ["read"])
    async with app_of(client)[keys.STORE].session() as db:
        await db.execute(delete(User).where(col(User.id) == account.user_id))
    assert await error_code(client, account.access_token) == "token_revoked"
    assert await error_code(client, pat) == "token_invalid"
    assert await refresh_error(client, account.refresh_token) == "token_revoked"


async def create_pat(client: TestClient[Any, Any], account: Account, scopes: list[str]) -> str:
    resp = await client.post("/api/me/tokens", json={"name": "t", "scopes": scopes}, headers=account.headers)
    assert resp.status == 201
    token: str = (await resp.json())["token"]
    return token
