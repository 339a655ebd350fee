"""One WebSocket client: authenticates, reads frames, dispatches commands, and sends with a bounded buffer."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from typing import TYPE_CHECKING, Any

import msgspec
import orjson
from aiohttp import WSMsgType, web

from backend.api.registry import nul_locations
from backend.domain.caller import Caller
from backend.errors import TandemError
from backend.hub.frames import PING, text_header
from backend.hub.ratelimit import TokenBucket
from tandem.protocol import AnyCommand, CloseCode, Command, Hello

if TYPE_CHECKING:
    from backend.hub.hub import Hub

_LOG = logging.getLogger(__name__)
COMMANDS: msgspec.json.Decoder[Command] = msgspec.json.Decoder(AnyCommand)
_AT = re.compile(r"^(?P<msg>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)
_STEP = re.compile(r"\.([^.\[]+)|\[(\d+)\]")


def encode_reply(message_id: object, result: dict[str, Any] | None) -> bytes:
    return orjson.dumps({"id": message_id, "ok": True, "result": result or {}})


def encode_error(message_id: object, code: str, message: str, details: Any = None) -> bytes:
    return orjson.dumps(
        {"id": message_id, "ok": False, "error": {"code": code, "message": message, "details": details}}
    )


def _message_id(data: str | bytes) -> object:
    """The ``id`` of a frame that failed validation, if it is readable at all, so the error can answer it."""
    try:
        parsed = orjson.loads(data)
    except orjson.JSONDecodeError:
        return None
    if isinstance(parsed, dict):
        value = parsed.get("id")
        if isinstance(value, (int, str)) and not isinstance(value, bool):
            return value
    return None


def command_schema() -> dict[str, Any]:
    """The JSON Schema of every command (``anyOf`` one ``$ref`` per command into ``$defs``)."""
    schema: dict[str, Any] = msgspec.json.schema(AnyCommand)
    return schema


def decode(data: str | bytes) -> Command:
    """The command a frame carries; raises :class:`~backend.errors.TandemError` with the hub's error code."""
    try:
        return COMMANDS.decode(data)
    except msgspec.ValidationError as err:
        text, loc = _located(str(err))
        if loc == ["type"] or text == "Object missing required field `type`":
            raise TandemError("unknown or missing message type", code="unknown_type") from None
        details = [{"loc": loc, "msg": text, "type": "invalid"}]
        raise TandemError("invalid message", code="invalid", details=details) from None
    except msgspec.DecodeError:
        raise TandemError("malformed JSON", code="bad_request") from None


def _located(message: str) -> tuple[str, list[str | int]]:
    """msgspec's "what - at `$.a[0].b`" as the message and its location (``["a", 0, "b"]``)."""
    match = _AT.match(message)
    if match is None or match["path"] is None:
        return message, []
    loc: list[str | int] = [name if name else int(index) for name, index in _STEP.findall(match["path"])]
    return match["msg"], loc


def _nul_locations(data: str | bytes, command: Command) -> list[list[str | int]] | None:
    """Where the command's text holds NUL, which PostgreSQL cannot store (SQLite can: both refuse it alike).

    JSON carries NUL only as the ``\\u0000`` escape, so frames without one are passed at the cost of a search.
    """
    if not (b"\\u0000" in data if isinstance(data, bytes) else "\\u0000" in data):
        return None
    return nul_locations(msgspec.to_builtins(command)) or None


class Connection:
    """The hub's view of one client; the only broad ``except`` of the hub lives in :meth:`dispatch`."""

    __slots__ = (
        "authenticated",
        "bucket",
        "caller",
        "client",
        "closer",
        "closing",
        "dispatching",
        "heard",
        "hub",
        "outbox",
        "pinged",
        "presence_sent",
        "projects",
        "remote",
        "repositories",
        "share_diffs",
        "transport",
        "workcopies",
        "ws",
    )

    def __init__(self, hub: Hub, ws: web.WebSocketResponse, request: web.Request, caller: Caller | None) -> None:
        self.hub = hub
        self.ws = ws
        self.transport = request.transport
        self.remote = request.remote or ""
        self.caller = caller
        self.authenticated = False
        self.client = ""
        self.closing = False
        self.closer: asyncio.Task[None] | None = None
        self.dispatching = False
        """True while one of this connection's own commands runs: what it sends then (replies) is batched."""
        self.heard = True
        """Something (a message, a ping or pong) arrived since the hub's last keep-alive round."""
        self.pinged = False
        """The last keep-alive round found the peer silent and pinged it."""
        self.outbox: list[bytes] | None = None
        """Frames sent during this turn of the event loop, written together at its end (see :meth:`send`)."""
        self.projects: set[str] = set()
        """Projects this connection is subscribed to."""
        self.workcopies: dict[str, str] = {}
        """Working copies reported on this connection: workcopy id -> project id."""
        self.repositories: dict[str, str] = {}
        """Repositories the caller was checked to belong to (as a project member): id -> project id."""
        self.share_diffs = False
        """The member's ``privacy.share_diffs`` preference, read at each snapshot: hunk text is kept only then."""
        self.presence_sent: dict[str, tuple[float, str, str]] = {}
        """Per project: when presence was last refreshed from activity, with the branch and file then."""
        settings = hub.settings
        self.bucket = TokenBucket(settings.ws_rate, settings.ws_burst, time.monotonic())

    @property
    def user_id(self) -> str:
        assert self.caller is not None
        return self.caller.user_id

    # -- receiving ------------------------------------------------------------------------------

    async def serve(self) -> None:
        """Read frames until the client goes away; a client that does not authenticate in time is closed."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.hub.settings.ws_auth_timeout
        self.hub.serving()
        try:
            while not self.closing:
                timeout = None if self.authenticated else max(0.0, deadline - loop.time())
                try:
                    message = await self.ws.receive(timeout=timeout)
                except TimeoutError:
                    await self.close(CloseCode.UNAUTHENTICATED, "send hello (with a ticket from a browser) first")
                    return
                self.heard = True
                if message.type in (WSMsgType.TEXT, WSMsgType.BINARY):
                    self.dispatching = True
                    try:
                        await self.dispatch(message.data)
                    finally:
                        self.dispatching = False
                elif message.type == WSMsgType.PING:  # aiohttp's automatic answer is off (see views.websocket)
                    await self.ws.pong(message.data)
                elif message.type == WSMsgType.PONG:
                    pass  # the answer to keep_alive's ping: heard
                elif message.type == WSMsgType.ERROR:
                    _LOG.info("websocket error from %s: %s", self.remote, self.ws.exception())
                    return
                else:  # CLOSE, CLOSING, CLOSED
                    return
        finally:
            self.closing = True
            self.hub.detach(self)
            self.hub.served()
            if self.closer is not None:
                # A close started elsewhere (lag, shutdown) must finish before the handler returns,
                # or aiohttp drops the socket before the close frame that tells the client why.
                await asyncio.wait([self.closer], timeout=self.hub.settings.ws_auth_timeout + 5)

    async def dispatch(self, data: str | bytes) -> None:
        if not self.bucket.take(time.monotonic()):
            if self.bucket.rejected >= self.hub.settings.ws_flood_limit:
                await self.close(CloseCode.RATE_LIMITED, "too many messages")
            elif self.bucket.rejected == 1 or self.bucket.rejected % 100 == 0:
                self.send(encode_error(None, "rate_limited", "slow down: messages are being dropped"))
            return
        if len(data) > self.hub.settings.ws_max_message_bytes:
            limit = self.hub.settings.ws_max_message_bytes
            self.send(encode_error(None, "payload_too_large", f"messages are limited to {limit} bytes"))
            return
        try:
            command = decode(data)
        except TandemError as err:
            self.send(encode_error(_message_id(data), err.code, err.message, err.details))
            return
        if (nul := _nul_locations(data, command)) is not None:
            details = [{"loc": loc, "msg": "contains a NUL character", "type": "nul_character"} for loc in nul[:20]]
            self.send(encode_error(command.id, "invalid", "text cannot contain NUL characters", details))
            return
        if not self.authenticated and not isinstance(command, Hello):
            self.send(encode_error(command.id, "unauthenticated", "the first message must be hello"))
            return
        handler = self.hub.commands.handler_for(command)
        if handler is None:
            self.send(encode_error(command.id, "unknown_type", f"{type(command).__name__} is not served here"))
            return
        try:
            result = await handler(self, command)
        except TandemError as err:
            self.send(encode_error(command.id, err.code, err.message, err.details))
        except Exception:  # noqa: BLE001 - the hub's one dispatcher boundary: a bug must not kill the connection
            _LOG.exception("command %s failed", type(command).__name__)
            self.send(encode_error(command.id, "internal", "internal error; it has been logged"))
        else:
            self.send(encode_reply(command.id, result))

    def keep_alive(self) -> None:
        """One round of the hub's keep-alive (every ``heartbeat_interval``): a peer heard from since the last
        round is fine; a silent one is pinged; one still silent a round after its ping is dropped.

        The hub does this for every connection on one timer, instead of aiohttp's heartbeat, which
        schedules a callback for every message received, ahead of the command it carries.
        """
        if self.heard:
            self.heard = self.pinged = False
            return
        transport = self.transport
        if self.closing or transport is None or transport.is_closing():
            return
        if not self.pinged:
            self.pinged = True
            transport.write(PING)
            return
        _LOG.info("dropping websocket client %s (user %s): no answer to a ping", self.remote, self.user_id)
        self.closing = True
        transport.abort()  # a peer that answers nothing would not answer a close frame either

    # -- sending --------------------------------------------------------------------------------

    def send(self, data: bytes) -> None:
        """Send one encoded message; it never waits on the client, and one that falls too far behind is closed.

        Messages sent in one turn of the event loop (the replies to a burst of pipelined commands, and the
        events they caused) leave together at the turn's end, in one system call. The exception is the first
        message of a turn to a connection that is not running a command of its own: an event caused by
        someone else (a teammate's finding) is written at once, so it does not wait for the rest of the
        command that caused it.
        """
        if self.closing:
            return
        transport = self.transport
        if transport is None or transport.is_closing():
            self.closing = True
            return
        if transport.get_write_buffer_size() > self.hub.settings.ws_send_buffer_bytes:
            self.closing = True  # nothing more is queued for it; the close frame says why
            _LOG.warning("closing slow websocket client %s (user %s)", self.remote, self.caller and self.caller.user_id)
            self.close_soon(CloseCode.RESYNC, "too far behind: reconnect and resync")
            return
        outbox = self.outbox
        if outbox is None:
            outbox = self.outbox = []
            asyncio.get_running_loop().call_soon(self.flush)
            if not self.dispatching:
                # An event that another connection's command caused (a teammate's finding) leaves at once,
                # not after the rest of that command; what follows it in this turn waits for the turn's end.
                transport.writelines((text_header(len(data)), data))
                return
        outbox.append(text_header(len(data)))
        outbox.append(data)

    def flush(self) -> None:
        """Write what :meth:`send` queued (called at the end of the loop's turn, and before a close frame)."""
        outbox, self.outbox = self.outbox, None
        transport = self.transport
        if outbox and transport is not None and not transport.is_closing():
            transport.writelines(outbox)

    def close_soon(self, code: CloseCode, reason: str) -> asyncio.Task[None]:
        """Start closing from outside the connection's own task; :meth:`serve` waits for it to finish."""
        if self.closer is None:
            self.closer = asyncio.create_task(self.close(code, reason))
        return self.closer

    async def close(self, code: CloseCode, reason: str) -> None:
        if self.ws.closed:
            self.closing = True
            return
        self.closing = True
        self.flush()  # what was sent before the close goes out before it
        try:
            await self.ws.close(code=int(code), message=reason.encode()[:120])
        except ConnectionError:
            return
