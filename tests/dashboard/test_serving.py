"""How the backend serves the dashboard: the page for every route, its files, strict headers, nothing else."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from yarl import URL

from backend import keys
from backend.api import dashboard, middleware
from backend.settings import Settings

pytestmark = pytest.mark.asyncio(loop_scope="module")
STATIC = dashboard.STATIC_DIR


def check_headers(resp: Any, port: int) -> None:
    csp = resp.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["connect-src"] == f"'self' ws://127.0.0.1:{port}"
    assert directives["frame-ancestors"] == "'none'"
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["Referrer-Policy"] == "no-referrer"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    "path", ["/dashboard", "/dashboard/", "/dashboard/projects/p1/conflicts", "/invitations/some-token"]
)
async def test_every_route_gets_the_page_with_strict_headers(server: TestClient[Any, Any], path: str) -> None:
    resp = await server.get(path)
    assert resp.status == 200
    assert resp.content_type == "text/html"
    assert '<script type="module" src="/dashboard/static/js/app.js">' in await resp.text()
    assert server.port is not None
    check_headers(resp, server.port)


async def test_files_are_served_with_their_types(server: TestClient[Any, Any]) -> None:
    types = {"js/app.js": "text/javascript", "app.css": "text/css", "icon.svg": "image/svg+xml"}
    for path, content_type in types.items():
        resp = await server.get(f"/dashboard/static/{path}")
        assert resp.status == 200, path
        assert resp.content_type == content_type
        assert server.port is not None
        check_headers(resp, server.port)
        assert await resp.read() == (STATIC / path).read_bytes()


@pytest.mark.parametrize(
    "path",
    ["/dashboard/static/nope.js", "/dashboard/static/%2e%2e/README.md", "/dashboard/static/..%2f..%2fpyproject.toml"],
)
async def test_only_the_dashboard_files_are_served(server: TestClient[Any, Any], path: str) -> None:
    # Sent as written (the client would otherwise resolve the dots itself).
    resp = await server.session.get(URL(f"http://127.0.0.1:{server.port}{path}", encoded=True))
    assert resp.status == 404
    assert (await resp.json())["error"]["code"] == "not_found"


async def test_the_root_leads_to_the_dashboard(server: TestClient[Any, Any]) -> None:
    resp = await server.get("/", allow_redirects=False)
    assert resp.status == 302
    assert resp.headers["Location"] == "/dashboard/"


async def test_a_missing_dashboard_says_so(tmp_path: Path) -> None:
    app = web.Application(middlewares=[middleware.errors])
    app[keys.SETTINGS] = Settings(data_dir=tmp_path, secret_key="k" * 40)
    dashboard.register(app, tmp_path / "nowhere")
    async with TestClient(TestServer(app)) as client:
        resp = await client.get("/dashboard/projects")
        assert resp.status == 404
        assert "not installed" in (await resp.json())["error"]["message"]
