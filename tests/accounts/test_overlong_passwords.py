"""Passwords over the policy's length (or that NFKC stretches past it) are a wrong password, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.helpers import signup

# The body allows 4096 characters; NFKC turns U+FDFA into 18 characters.
OVERLONG = ["x" * 4096, "\ufdfa" * 300]


@pytest.mark.parametrize("password", OVERLONG, ids=["4096 chars", "stretched by NFKC"])
async def test_first_sign_in_of_an_unknown_address_with_an_overlong_password(
    client: TestClient[Any, Any], password: str
) -> None:
    # The first unknown address makes the server's dummy hash from the password it was given.
    resp = await client.post("/api/auth/login", json={"email": "nobody@example.com", "password": password})
    body = await resp.json()
    assert resp.status == 401, body
    assert body["error"]["code"] == "invalid_credentials"


@pytest.mark.parametrize("password", OVERLONG, ids=["4096 chars", "stretched by NFKC"])
async def test_overlong_password_for_a_real_account(client: TestClient[Any, Any], password: str) -> None:
    account = await signup(client)
    for _ in range(2):  # once making the dummy hash, once verifying against it
        resp = await client.post("/api/auth/login", json={"email": account.email, "password": password})
        assert resp.status == 401, await resp.text()
