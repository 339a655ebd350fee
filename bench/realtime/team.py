"""Set-up through the HTTP API: accounts, projects with their members (invited and accepted), repositories."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from dataclasses import dataclass
from typing import Any

import aiohttp

PASSWORD = "bench password, long enough"
_RUN = uuid.uuid4().hex[:6]
_emails = itertools.count(1)
RETRIES = 5


@dataclass(frozen=True)
class Member:
    user_id: str
    email: str
    token: str
    """An access token (a JWT): what an agent sends on the WebSocket upgrade."""


@dataclass(frozen=True)
class Team:
    project_id: str
    repository_id: str
    remote_url: str
    members: list[Member]


class Api:
    """A few typed calls against one server, with bounded concurrency."""

    def __init__(self, session: aiohttp.ClientSession, base: str, concurrency: int = 8) -> None:
        self.session = session
        self.base = base
        self._gate = asyncio.Semaphore(concurrency)
        self.retries = 0

    async def post(self, path: str, body: dict[str, Any] | None = None, token: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else None
        for attempt in range(RETRIES + 1):
            async with self._gate, self.session.post(self.base + path, json=body, headers=headers) as resp:
                data = await resp.json()
                if resp.status < 400:
                    return data
                # Embedded SQLite refuses a write that began as a read while another commit landed
                # ("database is locked"): the server answers 500 and the request can be made again.
                if resp.status != 500 or attempt == RETRIES:
                    raise RuntimeError(f"POST {path}: {resp.status} {data}")
                self.retries += 1
        raise AssertionError("unreachable")

    async def register(self) -> Member:
        email = f"dev{next(_emails)}-{_RUN}@bench.example"
        body = await self.post("/api/auth/register", {"email": email, "password": PASSWORD, "name": email[:20]})
        return Member(body["user"]["id"], email, body["access_token"])

    async def join(self, project_id: str, owner: Member, member: Member) -> None:
        invitation = await self.post(
            f"/api/projects/{project_id}/invitations", {"email": member.email, "role": "developer"}, owner.token
        )
        await self.post(f"/api/invitations/{invitation['token']}/accept", token=member.token)

    async def team(self, size: int, name: str) -> Team:
        """A project of ``size`` members (the first owns it) with one registered repository."""
        members = list(await asyncio.gather(*(self.register() for _ in range(size))))
        owner = members[0]
        project = await self.post("/api/projects", {"name": name}, owner.token)
        remote = f"https://github.com/bench-{_RUN}/{name}"
        repo = await self.post(f"/api/projects/{project['id']}/repositories", {"remote_url": remote}, owner.token)
        await asyncio.gather(*(self.join(project["id"], owner, m) for m in members[1:]))
        return Team(project["id"], repo["id"], remote, members)


async def make_teams(base: str, sizes: list[int], *, prefix: str = "team", concurrency: int = 8) -> list[Team]:
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency * 2)) as session:
        api = Api(session, base, concurrency)
        teams = list(await asyncio.gather(*(api.team(size, f"{prefix}{n}") for n, size in enumerate(sizes))))
        if api.retries:
            print(f"set-up: {api.retries} requests answered 500 (SQLite 'database is locked') and were retried")
        return teams
