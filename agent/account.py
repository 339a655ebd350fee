"""Signing in (a personal access token for the agent) and the few HTTP calls the CLI makes to the backend."""

from __future__ import annotations

import contextlib
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp

from agent.config import Credentials

AGENT_SCOPES = ["agent", "read"]
HTTP_TIMEOUT = aiohttp.ClientTimeout(total=15)


class AccountError(Exception):
    """Something the user can fix: wrong URL, wrong password, refused token; said in one sentence."""


@dataclass
class Api:
    """A JSON client of the backend's HTTP API with readable errors."""

    server: str
    token: str | None = None

    def url(self, path: str) -> str:
        return self.server.rstrip("/") + path

    async def call(self, method: str, path: str, *, json: Any = None, token: str | None = None) -> Any:
        bearer = token or self.token
        headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
        try:
            async with (
                aiohttp.ClientSession(timeout=HTTP_TIMEOUT) as session,
                session.request(method, self.url(path), json=json, headers=headers) as resp,
            ):
                body = await resp.json(content_type=None) if resp.status != 204 else None
                status = resp.status
        except aiohttp.InvalidURL as err:
            raise AccountError(f"{self.server!r} is not a valid server URL (expected http(s)://host:port)") from err
        except (aiohttp.ClientConnectionError, TimeoutError) as err:
            raise AccountError(f"cannot reach the Tandem server at {self.server}: {err}") from err
        except ValueError as err:  # not JSON: something else answers at that address
            raise AccountError(f"{self.server} does not look like a Tandem server (no JSON API)") from err
        if status >= 400:
            error = body.get("error", {}) if isinstance(body, dict) else {}
            if status == 404 and not error:
                raise AccountError(f"{self.server} does not look like a Tandem server ({path} not found)")
            raise ApiError(status, str(error.get("code", "")), str(error.get("message", "")))
        return body


class ApiError(AccountError):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{message} (HTTP {status} {code})")
        self.status = status
        self.code = code
        self.message = message


async def login_with_password(server: str, email: str, password: str) -> Credentials:
    """Sign in, create a personal access token (agent + read scopes) for this machine, sign the session out."""
    api = Api(server)
    try:
        auth = await api.call("POST", "/api/auth/login", json={"email": email, "password": password})
    except ApiError as err:
        if err.status == 401:
            raise AccountError("wrong email or password") from err
        if err.status == 422:
            raise AccountError(f"the server refused the sign-in: {err.message}") from err
        raise
    access = str(auth["access_token"])
    name = f"tandem agent on {socket.gethostname()}"[:100]
    created = await api.call("POST", "/api/me/tokens", json={"name": name, "scopes": AGENT_SCOPES}, token=access)
    with contextlib.suppress(AccountError):  # the session expires on its own; the token is what we keep
        await api.call("POST", "/api/auth/logout", token=access)
    return Credentials(
        server=server,
        token=str(created["token"]),
        email=str(auth["user"]["email"]),
        user_id=str(auth["user"]["id"]),
        token_id=str(created["id"]),
    )


async def login_with_token(server: str, token: str) -> Credentials:
    """Check a personal access token (``GET /api/me``) and keep it."""
    try:
        me = await Api(server, token).call("GET", "/api/me")
    except ApiError as err:
        if err.status in (401, 403):
            raise AccountError(f"the server refused this token: {err.message}") from err
        raise
    return Credentials(server=server, token=token, email=str(me["email"]), user_id=str(me["id"]))


async def my_projects(api: Api) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        page = await api.call("GET", "/api/projects?limit=200" + (f"&cursor={quote(cursor)}" if cursor else ""))
        out += page["items"]
        cursor = page.get("next_cursor")
        if not cursor:
            return out


async def project_repositories(api: Api, project_id: str) -> list[dict[str, Any]]:
    body = await api.call("GET", f"/api/projects/{project_id}/repositories")
    items: list[dict[str, Any]] = body["items"]
    return items
