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


async def create_project(client: TestClient[Any, Any], owner: Account, name: str = "Team") -> str:
    resp = await client.post("/api/projects", json={"name": name}, headers=owner.headers)
    body = await resp.json()
    assert resp.status == 201, body
    project_id: str = body["id"]
    return project_id


async def add_member(
    client: TestClient[Any, Any], project_id: str, inviter: Account, member: Account, role: str = "developer"
) -> None:
    """Invite ``member`` and accept as them, through the real invitation flow."""
    resp = await client.post(
        f"/api/projects/{project_id}/invitations", json={"email": member.email, "role": role}, headers=inviter.headers
    )
    body = await resp.json()
    assert resp.status == 201, body
    resp = await client.post(f"/api/invitations/{body['token']}/accept", headers=member.headers)
    assert resp.status == 200, await resp.json()


async def make_team(client: TestClient[Any, Any], size: int = 2) -> tuple[str, list[Account]]:
    """A project whose first account is the owner and the others developers."""
    accounts = [await signup(client) for _ in range(size)]
    project_id = await create_project(client, accounts[0])
    for member in accounts[1:]:
        await add_member(client, project_id, accounts[0], member)
    return project_id, accounts
