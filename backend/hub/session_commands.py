"""Hub commands about the session itself: hello, ping, project subscriptions and the user's presence."""

from __future__ import annotations

from backend.errors import Unauthorized
from backend.hub.commands import CommandRegistry, Result
from backend.hub.connection import Connection
from tandem.protocol import PROTOCOL_VERSION, CloseCode, Hello, Ping, PresenceSet, Subscribe, Unsubscribe

SERVER_VERSION = "0.1.0"


async def hello(conn: Connection, msg: Hello) -> Result:
    """Check the protocol version and authenticate (bearer on the upgrade, or a ticket in the message)."""
    hub = conn.hub
    if conn.authenticated:
        return {"protocol": PROTOCOL_VERSION, "user_id": conn.user_id, "already": True}
    if msg.protocol != PROTOCOL_VERSION:
        conn.close_soon(CloseCode.UNSUPPORTED_PROTOCOL, f"this server speaks protocol {PROTOCOL_VERSION}")
        return {"protocol": PROTOCOL_VERSION, "supported": [PROTOCOL_VERSION], "accepted": False}
    if conn.caller is None:
        if msg.ticket is None:
            conn.close_soon(CloseCode.UNAUTHENTICATED, "a ticket is required (POST /api/ws/ticket)")
            raise Unauthorized("send a ticket from POST /api/ws/ticket, or a bearer token on the upgrade")
        try:
            conn.caller = await hub.services.accounts.redeem_ws_ticket(msg.ticket)
        except Unauthorized:
            conn.close_soon(CloseCode.UNAUTHENTICATED, "invalid or used ticket")
            raise
    conn.authenticated = True
    conn.client = msg.client
    await hub.attach(conn)
    settings = hub.settings
    return {
        "protocol": PROTOCOL_VERSION,
        "server": SERVER_VERSION,
        "user_id": conn.user_id,
        "heartbeat_interval": settings.heartbeat_interval,
        "limits": {
            "max_message_bytes": settings.ws_max_message_bytes,
            "rate": settings.ws_rate,
            "burst": settings.ws_burst,
        },
    }


async def ping(conn: Connection, _msg: Ping) -> Result:
    """A heartbeat: keeps the user's presence alive in every project the connection follows."""
    if conn.projects:
        await conn.hub.presence.report(conn.user_id, conn.projects, active=False)
    return None


async def subscribe(conn: Connection, msg: Subscribe) -> Result:
    """Follow a project: its events and presence; answers with who is there now."""
    hub = conn.hub
    await hub.services.projects.require_member(conn.user_id, msg.project_id)
    await hub.subscribe(conn, msg.project_id)
    await hub.presence.report(conn.user_id, (msg.project_id,), active=False)
    members = await hub.presence.view(msg.project_id)
    return {"project_id": msg.project_id, "presence": [entry.to_dict() for entry in members]}


async def unsubscribe(conn: Connection, msg: Unsubscribe) -> Result:
    await conn.hub.unsubscribe(conn, msg.project_id)
    return None


async def presence_set(conn: Connection, msg: PresenceSet) -> Result:
    """The user says they are away (or back): shown to teammates whatever their activity."""
    await conn.hub.presence.report(
        conn.user_id, conn.projects, active=msg.activity == "active", away=msg.activity == "away"
    )
    return None


def register(commands: CommandRegistry) -> None:
    commands.register(Hello, hello)
    commands.register(Ping, ping)
    commands.register(Subscribe, subscribe)
    commands.register(Unsubscribe, unsubscribe)
    commands.register(PresenceSet, presence_set)
