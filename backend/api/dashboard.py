"""Serves the web dashboard: its static files, the single page for every dashboard route, strict security headers."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web

from backend import keys
from backend.errors import NotFound
from backend.settings import Settings

_INSTALLED = Path(__file__).resolve().parents[1] / "_dashboard"
"""Where a wheel carries the dashboard (pyproject.toml force-includes dashboard/static there)."""
_SOURCE = Path(__file__).resolve().parents[2] / "dashboard" / "static"
STATIC_DIR = _INSTALLED if _INSTALLED.is_dir() else _SOURCE
"""The dashboard's files, served as they are: plain ES modules and CSS, no build step."""

_TYPES = {".js": "text/javascript", ".css": "text/css", ".html": "text/html", ".svg": "image/svg+xml"}


def content_security_policy(settings: Settings) -> str:
    """Only this service's own scripts, styles and connections (its WebSocket included); no inline code, no frames."""
    public = urlsplit(settings.effective_public_url)
    websocket = f"{'wss' if public.scheme == 'https' else 'ws'}://{public.netloc}"
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            f"connect-src 'self' {websocket}",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "object-src 'none'",
        )
    )


def security_headers(settings: Settings) -> dict[str, str]:
    return {
        "Content-Security-Policy": content_security_policy(settings),
        "X-Frame-Options": "DENY",
        # Invitation tokens travel in URLs: never let them leak to another site through Referer.
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
        "Cross-Origin-Opener-Policy": "same-origin",
        # Revalidate every time (Last-Modified): a new version of the dashboard is seen on the next load.
        "Cache-Control": "no-cache",
    }


def list_files(root: Path) -> dict[str, Path]:
    """Every file under ``root`` by its URL path: requests only ever look names up here, never in the filesystem."""
    if not root.is_dir():
        return {}
    return {p.relative_to(root).as_posix(): p for p in sorted(root.rglob("*")) if p.is_file()}


def register(app: web.Application, static_dir: Path = STATIC_DIR) -> None:
    """``/dashboard/static/<file>``; ``/dashboard[/…]`` and ``/invitations/{token}``: the page (it routes itself)."""
    files = list_files(static_dir)
    headers = security_headers(app[keys.SETTINGS])

    def file_response(path: Path) -> web.FileResponse:
        content_type = _TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return web.FileResponse(path, headers={**headers, "Content-Type": content_type})

    async def page(_request: web.Request) -> web.StreamResponse:
        index = files.get("index.html")
        if index is None:
            raise NotFound(f"the dashboard is not installed: {static_dir / 'index.html'} is missing")
        return file_response(index)

    async def asset(request: web.Request) -> web.StreamResponse:
        path = files.get(request.match_info["path"])
        if path is None:
            raise NotFound("no such dashboard file")
        return file_response(path)

    async def home(_request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound("/dashboard/")

    app.router.add_get("/", home, name="home")
    app.router.add_get("/dashboard/static/{path:.+}", asset, name="dashboard_static")
    app.router.add_get("/dashboard", page, name="dashboard")
    app.router.add_get("/dashboard/{tail:.*}", page, name="dashboard_page")
    app.router.add_get("/invitations/{token}", page, name="invitation_page")
