"""HTTP edges of the hub: the WebSocket endpoint, browser tickets, and the project presence view."""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web

from backend import keys
from backend.api.models import Output
from backend.api.registry import Routes
from backend.errors import Forbidden
from backend.hub.connection import Connection
from backend.settings import Settings

routes = Routes(tag="realtime")


class Ticket(Output):
    ticket: str
    expires_in: int


class PresenceOut(Output):
    user_id: str
    state: str
    branch: str
    file: str
    last_active: float


class PresenceList(Output):
    items: list[PresenceOut]


def origin_allowed(settings: Settings, origin: str) -> bool:
    """Browsers must come from the service itself or an origin on the allow list."""
    origin = origin.rstrip("/")
    if origin in settings.allowed_origins or "*" in settings.allowed_origins:
        return True
    public = urlsplit(settings.effective_public_url)
    return origin == f"{public.scheme}://{public.netloc}"


async def websocket(request: web.Request) -> web.StreamResponse:
    """``GET /api/ws``: agents send a bearer token on the upgrade; browsers a ticket in ``hello``."""
    settings = request.app[keys.SETTINGS]
    origin = request.headers.get("Origin")
    if origin is not None and not origin_allowed(settings, origin):
        raise Forbidden(f"origin {origin} is not allowed; add it to TANDEM_ALLOWED_ORIGINS")
    hub = request.app[keys.HUB]
    ws = web.WebSocketResponse(
        # Liveness is the hub's (Connection.keep_alive, one timer for all), and so are pings and pongs.
        heartbeat=None,
        autoping=False,
        max_msg_size=settings.ws_max_message_bytes * 4,
        compress=False,
        # Flow control is ours: Connection.send checks the transport's buffer and closes laggards.
        writer_limit=1 << 62,
        timeout=2.0,
    )
    await ws.prepare(request)
    conn = Connection(hub, ws, request, request.get(keys.CALLER))
    await conn.serve()
    return ws


@routes.post("/api/ws/ticket", response=Ticket, status=201)
async def create_ticket(request: web.Request) -> Ticket:
    """A short-lived single-use ticket for a browser's WebSocket ``hello``."""
    caller = request[keys.CALLER]
    services = request.app[keys.SERVICES]
    ticket = await services.accounts.mint_ws_ticket(caller.user_id, via=caller)
    return Ticket(ticket=ticket, expires_in=services.accounts.ws_ticket_ttl)


@routes.get("/api/projects/{project_id}/presence", response=PresenceList, errors=(404,))
async def project_presence(request: web.Request) -> PresenceList:
    """Who of the project is online, idle, away or offline, on which branch and in which file."""
    caller = request[keys.CALLER]
    project_id = request.match_info["project_id"]
    services = request.app[keys.SERVICES]
    await services.projects.require_member(caller.user_id, project_id)
    entries = await request.app[keys.HUB].presence.view(project_id)
    return PresenceList(items=[PresenceOut.model_validate(e.to_dict()) for e in entries])


def register(app: web.Application) -> None:
    app.router.add_get("/api/ws", websocket, name="websocket")
