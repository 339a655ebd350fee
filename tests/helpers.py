"""Test helpers shared across the suite: sign up accounts through the real API."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from aiohttp.test_utils import TestClient

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


@dataclass(frozen=True)
class Account:
    user_id: str
    email: str
    password: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


async def signup(client: TestClient[Any, Any], email: str | None = None, *, name: str = "") -> Account:
    """Register a new account through ``POST /api/auth/register`` and return its tokens."""
    email = email or f"user{next(_counter)}@example.com"
    resp = await client.post(
        "/api/auth/register", json={"email": email, "password": PASSWORD, "name": name or email.split("@")[0]}
    )
    body = await resp.json()
    assert resp.status == 201, body
    return Account(
        user_id=body["user"]["id"],
        email=email,
        password=PASSWORD,
        access_token=body["access_token"],
        refresh_token=body["refresh_token"],
    )
