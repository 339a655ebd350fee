"""Helpers for the project tests: projects, teams built through invitations, bus and SSE readers."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass
from typing import Any

import orjson
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient

from backend.events import decode_event
from backend.ports import Subscription
from tests.helpers import Account, signup

TIMEOUT = 5
_names = itertools.count(1)

Client = TestClient[Any, Any]


async def expect(resp: ClientResponse, status: int) -> Any:
    """The JSON body of ``resp`` (None for 204), after checking its status; errors must have the error shape."""
    body: Any = None if resp.status == 204 else await resp.json()
    assert resp.status == status, body
    if status >= 400:
        assert set(body) == {"error"}, body
        assert set(body["error"]) == {"code", "message", "details"}, body
    return body


async def error_code(resp: ClientResponse, status: int) -> str:
    body = await expect(resp, status)
    return str(body["error"]["code"])


async def create_project(client: Client, owner: Account, name: str | None = None) -> dict[str, Any]:
    resp = await client.post("/api/projects", json={"name": name or f"Project {next(_names)}"}, headers=owner.headers)
    body: dict[str, Any] = await expect(resp, 201)
    return body


async def invite(client: Client, by: Account, project_id: str, email: str, role: str = "developer") -> dict[str, Any]:
    resp = await client.post(
        f"/api/projects/{project_id}/invitations", json={"email": email, "role": role}, headers=by.headers
    )
    body: dict[str, Any] = await expect(resp, 201)
    return body


async def add_member(
    client: Client, by: Account, project_id: str, role: str, account: Account | None = None
) -> Account:
    """Sign up (unless given) an account and make it a member with ``role``, through invite and accept."""
    account = account or await signup(client)
    issued = await invite(client, by, project_id, account.email, role)
    await expect(await client.post(f"/api/invitations/{issued['token']}/accept", headers=account.headers), 200)
    return account


@dataclass(frozen=True)
class Team:
    project_id: str
    owner: Account
    maintainer: Account
    developer: Account
    viewer: Account

    def by_role(self, role: str) -> Account:
        account: Account = getattr(self, role)
        return account


async def make_team(client: Client) -> Team:
    owner = await signup(client)
    project = await create_project(client, owner)
    pid = project["id"]
    return Team(
        project_id=pid,
        owner=owner,
        maintainer=await add_member(client, owner, pid, "maintainer"),
        developer=await add_member(client, owner, pid, "developer"),
        viewer=await add_member(client, owner, pid, "viewer"),
    )


async def next_event(sub: Subscription, event_type: str) -> dict[str, Any]:
    """The next bus event of ``event_type`` (others are skipped), or fail after a timeout."""

    async def find() -> dict[str, Any]:
        async for _channel, data in sub:
            event = decode_event(data)
            if event["type"] == event_type:
                return event
        raise AssertionError("the subscription ended")

    return await asyncio.wait_for(find(), TIMEOUT)


async def next_sse(resp: ClientResponse, event_type: str) -> dict[str, Any]:
    """The next Server-Sent Event of ``event_type`` on ``resp`` (others, and comments, are skipped)."""

    async def find() -> dict[str, Any]:
        name, data = "", b""
        while line := await resp.content.readline():
            line = line.rstrip(b"\n")
            if line.startswith(b"event: "):
                name = line[len(b"event: ") :].decode()
            elif line.startswith(b"data: "):
                data = line[len(b"data: ") :]
            elif not line and name:
                if name == event_type:
                    event: dict[str, Any] = orjson.loads(data)
                    return event
                name, data = "", b""
        raise AssertionError(f"the stream ended before a {event_type} event")

    return await asyncio.wait_for(find(), TIMEOUT)
