"""What the fuzzer works in: its account and project, credentials of every kind, sentinel data it cannot harm."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import jwt
import orjson
from aiohttp.test_utils import TestClient
from yarl import URL

from backend import keys
from backend.services.accounts import AccountService
from backend.services.accounts.sessions import ClientInfo
from tests.fuzz.requests import Case, Reply
from tests.helpers import PASSWORD, Account, add_member, create_project, signup

# The app the fuzzer talks to: small bodies so oversized ones are cheap, and no sign-in throttling, which
# would turn every later login into a 429 and hide the paths behind it (tests/accounts covers throttling).
FUZZ_SETTINGS: Mapping[str, Any] = {
    "max_body_bytes": 64 * 1024,
    "login_max_failures": 1_000_000,
    "login_max_failures_per_address": 1_000_000,
    "trusted_proxies": ("127.0.0.1",),
}


async def _json(client: TestClient[Any, Any], method: str, path: str, account: Account, **kw: Any) -> Any:
    resp = await client.request(method, path, headers=account.headers, **kw)
    body = await resp.json()
    assert resp.status < 300, (method, path, resp.status, body)
    return body


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(data)).rstrip(b"=").decode()


@dataclass(frozen=True)
class Furnished:
    """A project with a pending invitation and a registered repository: real ids for the fuzzer to aim at."""

    project_id: str
    invitation_id: str
    invitation_token: str
    repository_id: str
    remote_url: str


async def furnish(client: TestClient[Any, Any], owner: Account, name: str, guest: str) -> Furnished:
    project_id = await create_project(client, owner, name)
    base = f"/api/projects/{project_id}"
    invitation = await _json(client, "POST", f"{base}/invitations", owner, json={"email": guest})
    remote = f"git@example.com:{name.lower()}/{project_id}.git"
    repo = await _json(client, "POST", f"{base}/repositories", owner, json={"remote_url": remote})
    return Furnished(project_id, invitation["invitation"]["id"], invitation["token"], repo["id"], remote)


@dataclass
class Sentinel:
    """An account and a project the fuzzer may see (it is a viewer) but not change."""

    owner: Account
    project: Furnished

    @property
    def project_id(self) -> str:
        return self.project.project_id

    async def snapshot(self, client: TestClient[Any, Any]) -> dict[str, Any]:
        """What must survive the fuzzing; the fuzzer may legitimately leave, so members count only the owner."""
        base = f"/api/projects/{self.project_id}"
        members = await _json(client, "GET", f"{base}/members", self.owner)
        login = await client.post("/api/auth/login", json={"email": self.owner.email, "password": self.owner.password})
        return {
            "me": await _json(client, "GET", "/api/me", self.owner),
            "project": await _json(client, "GET", base, self.owner),
            "settings": await _json(client, "GET", f"{base}/settings", self.owner),
            "owner_role": [m["role"] for m in members["items"] if m["user_id"] == self.owner.user_id],
            "invitations": await _json(client, "GET", f"{base}/invitations", self.owner),
            "repositories": await _json(client, "GET", f"{base}/repositories", self.owner),
            "can_sign_in": login.status,
        }


@dataclass
class World:
    client: TestClient[Any, Any]
    fuzzer: Account
    sentinel: Sentinel
    playground: Furnished
    """The fuzzer's own project: it may do anything to it, deletion included (then it gets a new one)."""
    session_ids: list[str] = field(default_factory=list)
    token_ids: list[str] = field(default_factory=list)
    credentials: dict[str, str] = field(default_factory=dict)
    """Authorization header values by credential name (see requests.CREDENTIALS)."""
    # A connection per fuzzed request: aiohttp's server may drop one after its reply to an undecodable body,
    # which a pooled connection would only show on the next request (docs/testing.md).
    session: aiohttp.ClientSession = field(
        default_factory=lambda: aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True))
    )

    async def close(self) -> None:
        await self.session.close()

    @property
    def known(self) -> dict[str, tuple[str, ...]]:
        """Real values for path parameters and fields, by name."""
        projects = (self.sentinel.project, self.playground)
        return {
            "project_id": tuple(p.project_id for p in projects),
            "invitation_id": tuple(p.invitation_id for p in projects),
            "token": tuple(p.invitation_token for p in projects),
            "repository_id": tuple(p.repository_id for p in projects),
            "remote_url": tuple(p.remote_url for p in projects),
            "user_id": (self.sentinel.owner.user_id, self.fuzzer.user_id),
            "session_id": tuple(self.session_ids),
            "token_id": tuple(self.token_ids),
        }

    async def send(self, case: Case) -> Reply:
        headers = dict(case.headers)
        if case.credential in self.credentials:
            headers["Authorization"] = self.credentials[case.credential]
        skip: tuple[str, ...] = ()
        if case.body is not None:
            if case.content_type is None:
                skip = ("Content-Type",)
            else:
                headers["Content-Type"] = case.content_type
        url = URL(str(self.client.make_url("")).rstrip("/") + case.target, encoded=True)
        async with self.session.request(
            case.operation.method, url, data=case.body, headers=headers, skip_auto_headers=skip
        ) as resp:
            if resp.content_type == "text/event-stream":
                first = await resp.content.readany()  # the stream never ends: its first frame says it started
                resp.close()
                return Reply(resp.status, resp.content_type, first)
            return Reply(resp.status, resp.content_type, await resp.read())

    async def arm(self) -> None:
        """Credentials of every kind for the fuzzer: valid, limited, expired and forged."""
        self.credentials["access"] = f"Bearer {self.fuzzer.access_token}"
        self._forge(self.fuzzer.access_token)
        await self._mint_read_token()
        await self._expire()

    async def recover(self) -> None:
        """Undo what a fuzzed request may legitimately have done to the fuzzer's own things: sign in again, mint
        a new token, furnish a new playground; later requests would otherwise all stop at the first check."""
        me = await self.client.get("/api/me", headers={"Authorization": self.credentials["access"]})
        if me.status == 401:
            await self._sign_in()
        pat = await self.client.get("/api/me", headers={"Authorization": self.credentials["pat_read"]})
        if pat.status == 401:
            await self._mint_read_token()
        headers = {"Authorization": self.credentials["access"]}
        project = await self.client.get(f"/api/projects/{self.playground.project_id}", headers=headers)
        if project.status == 404:
            self.playground = await furnish(self.client, self._current(), "Playground", "guest@example.org")

    def _current(self) -> Account:
        """The fuzzer with its current access token."""
        return Account(self.fuzzer.user_id, self.fuzzer.email, PASSWORD, self.credentials["access"][7:], "")

    async def _sign_in(self) -> None:
        resp = await self.client.post("/api/auth/login", json={"email": self.fuzzer.email, "password": PASSWORD})
        body = await resp.json()
        assert resp.status == 200, body
        self.credentials["access"] = f"Bearer {body['access_token']}"
        self._forge(body["access_token"])
        sessions = await _json(self.client, "GET", "/api/me/sessions", self._current())
        self.session_ids = [s["id"] for s in sessions["items"]]

    async def _mint_read_token(self) -> None:
        resp = await self.client.post(
            "/api/me/tokens",
            json={"name": "fuzz reader", "scopes": ["read"]},
            headers={"Authorization": self.credentials["access"]},
        )
        body = await resp.json()
        assert resp.status == 201, body
        self.credentials["pat_read"] = f"Bearer {body['token']}"
        self.token_ids.append(body["id"])

    def _forge(self, access_token: str) -> None:
        claims = jwt.decode(access_token, options={"verify_signature": False})
        other_key = "not-the-server-key-" + "z" * 32
        self.credentials["wrong_key"] = "Bearer " + jwt.encode(claims, other_key, headers={"typ": "at+jwt"})
        self.credentials["alg_none"] = f"Bearer {_b64({'alg': 'none', 'typ': 'at+jwt'})}.{_b64(claims)}."
        # A valid token's header and signature around claims naming someone else.
        header, _, signature = access_token.split(".")
        stolen = {**claims, "sub": self.sentinel.owner.user_id}
        self.credentials["other_sub"] = f"Bearer {header}.{_b64(stolen)}.{signature}"

    async def _expire(self) -> None:
        app = self.client.app
        assert app is not None
        earlier = AccountService(
            settings=app[keys.SETTINGS],
            store=app[keys.STORE],
            bus=app[keys.BUS],
            counters=app[keys.COUNTERS],
            clock=lambda: datetime.now(UTC) - timedelta(days=1),
        )
        pair = await earlier.login(email=self.fuzzer.email, password=PASSWORD, client=ClientInfo())
        self.credentials["expired"] = f"Bearer {pair.access_token}"


async def build_world(client: TestClient[Any, Any]) -> World:
    """The sentinel owner's project (the fuzzer a viewer in it) and the fuzzer's own project, each with an
    invitation and a repository, so real ids reach deep into the handlers."""
    owner = await signup(client, "sentinel@example.com")
    fuzzer = await signup(client, "fuzzer@example.com")
    sentinel = await furnish(client, owner, "Sentinel", "guest@example.com")
    await _json(client, "PATCH", f"/api/projects/{sentinel.project_id}", owner, json={"description": "must survive"})
    await add_member(client, sentinel.project_id, owner, fuzzer, role="viewer")
    world = World(client, fuzzer, Sentinel(owner, sentinel), await furnish(client, fuzzer, "Playground", "x@e.org"))
    await world.arm()
    sessions = await _json(client, "GET", "/api/me/sessions", fuzzer)
    world.session_ids = [s["id"] for s in sessions["items"]]
    return world
