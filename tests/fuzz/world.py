"""What the fuzzer works in: its own account and project, credentials of every kind, and sentinel data it
must not be able to harm."""

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


@dataclass
class Sentinel:
    """An account and a project the fuzzer may see (it is a viewer) but not change."""

    owner: Account
    project_id: str

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
    known: dict[str, list[str]]
    """Real values for path parameters, by parameter name."""
    credentials: dict[str, str] = field(default_factory=dict)
    """Authorization header values by credential name (see requests.CREDENTIALS)."""
    # A connection per fuzzed request: aiohttp's server may drop one after its reply to an undecodable body,
    # which a pooled connection would only show on the next request (docs/testing.md).
    session: aiohttp.ClientSession = field(
        default_factory=lambda: aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True))
    )

    async def close(self) -> None:
        await self.session.close()

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

    async def keep_signed_in(self) -> None:
        """Sign in again, or mint a new token, when a fuzzed request legitimately signed the fuzzer out."""
        me = await self.client.get("/api/me", headers={"Authorization": self.credentials["access"]})
        if me.status == 401:
            await self._sign_in()
        pat = await self.client.get("/api/me", headers={"Authorization": self.credentials["pat_read"]})
        if pat.status == 401:
            await self._mint_read_token()

    async def _sign_in(self) -> None:
        resp = await self.client.post("/api/auth/login", json={"email": self.fuzzer.email, "password": PASSWORD})
        body = await resp.json()
        assert resp.status == 200, body
        self.credentials["access"] = f"Bearer {body['access_token']}"
        self._forge(body["access_token"])

    async def _mint_read_token(self) -> None:
        resp = await self.client.post(
            "/api/me/tokens",
            json={"name": "fuzz reader", "scopes": ["read"]},
            headers={"Authorization": self.credentials["access"]},
        )
        body = await resp.json()
        assert resp.status == 201, body
        self.credentials["pat_read"] = f"Bearer {body['token']}"
        self.known.setdefault("token_id", []).append(body["id"])

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
    """The sentinel owner's project (the fuzzer a viewer in it) and the fuzzer's own project, with an
    invitation and a repository in each, so real ids reach deep into the handlers."""
    owner = await signup(client, "sentinel@example.com")
    fuzzer = await signup(client, "fuzzer@example.com")
    sentinel_project = await create_project(client, owner, "Sentinel")
    await add_member(client, sentinel_project, owner, fuzzer, role="viewer")
    playground = await create_project(client, fuzzer, "Playground")
    known: dict[str, list[str]] = {
        "project_id": [sentinel_project, playground],
        "user_id": [owner.user_id, fuzzer.user_id],
        "invitation_id": [],
        "token": [],
        "repository_id": [],
        "session_id": [],
        "remote_url": [],
    }
    for account, project, email in ((owner, sentinel_project, "guest@example.com"), (fuzzer, playground, "x@e.org")):
        base = f"/api/projects/{project}"
        invitation = await _json(client, "POST", f"{base}/invitations", account, json={"email": email})
        known["invitation_id"].append(invitation["invitation"]["id"])
        known["token"].append(invitation["token"])
        remote = f"git@h.org:o/{email.split('@')[0]}.git"
        repo = await _json(client, "POST", f"{base}/repositories", account, json={"remote_url": remote})
        known["repository_id"].append(repo["id"])
        known["remote_url"].append(remote)
    await _json(client, "PATCH", f"/api/projects/{sentinel_project}", owner, json={"description": "must survive"})
    world = World(client, fuzzer, Sentinel(owner, sentinel_project), known)
    await world.arm()
    sessions = await _json(client, "GET", "/api/me/sessions", fuzzer)
    known["session_id"] = [s["id"] for s in sessions["items"]]
    return world
