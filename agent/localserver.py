"""The agent's Unix socket: newline-delimited JSON commands in the hub's envelope, one dispatcher, pushes.

The socket lives in a 0700 folder and is itself 0600: only the user's own language servers and CLI reach it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import orjson
from pydantic import BaseModel, TypeAdapter, ValidationError

from tandem.protocol import AnyLocalCommand, LocalCommand

log = logging.getLogger(__name__)

MAX_LINE = 32 << 20
"""A buffer's whole text travels in one line."""
SEND_BUFFER = 8 << 20
"""A subscriber this far behind on notifications is dropped (it reconnects and asks for status)."""
COMMANDS: TypeAdapter[LocalCommand] = TypeAdapter(AnyLocalCommand)

Result = BaseModel | dict[str, Any] | None


class LocalError(Exception):
    """A command the agent cannot carry out; goes back as ``{"ok": false, "error": {code, message}}``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class LocalConnection:
    """One client of the socket (a language server, a CLI invocation)."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self.writer = writer
        self.subscribed = False
        self.client = ""

    def send(self, data: bytes) -> None:
        """Queue one line without waiting; a client that stopped reading is dropped, never waited for."""
        if self.writer.is_closing():
            return
        if self.writer.transport.get_write_buffer_size() > SEND_BUFFER:
            log.warning("dropping local client %r: %d bytes behind", self.client, SEND_BUFFER)
            self.writer.close()
            return
        self.writer.write(data + b"\n")


Handler = Callable[[LocalConnection, Any], Awaitable[Result]]


def encode(model_or_dict: Result) -> bytes:
    if isinstance(model_or_dict, BaseModel):
        return orjson.dumps(model_or_dict.model_dump(mode="json"))
    return orjson.dumps(model_or_dict or {})


def reply(message_id: object, result: Result) -> bytes:
    return b'{"id":' + orjson.dumps(message_id) + b',"ok":true,"result":' + encode(result) + b"}"


def error(message_id: object, code: str, message: str, details: Any = None) -> bytes:
    return orjson.dumps(
        {"id": message_id, "ok": False, "error": {"code": code, "message": message, "details": details}}
    )


class LocalServer:
    def __init__(self, path: Path, handlers: dict[type[LocalCommand], Handler]) -> None:
        self.path = path
        self.handlers = handlers
        self.connections: set[LocalConnection] = set()
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()  # a stale socket: the instance lock says its owner is gone
        old = os.umask(0o177)
        try:
            self._server = await asyncio.start_unix_server(self._serve, path=str(self.path), limit=MAX_LINE)
        finally:
            os.umask(old)
        self.path.chmod(0o600)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            for conn in list(self.connections):
                conn.writer.close()
            await self._server.wait_closed()
            self._server = None
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    def broadcast(self, message: BaseModel) -> None:
        """Push a notification to every subscribed client (encoded once)."""
        subscribers = [c for c in self.connections if c.subscribed]
        if subscribers:
            data = encode(message)
            for conn in subscribers:
                conn.send(data)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = LocalConnection(writer)
        self.connections.add(conn)
        try:
            while True:
                try:
                    line = await reader.readline()
                except (asyncio.LimitOverrunError, ValueError):
                    conn.send(error(None, "payload_too_large", f"lines are limited to {MAX_LINE} bytes"))
                    return
                if not line:
                    return
                if line.strip():
                    await self.dispatch(conn, line)
        except ConnectionError:
            return
        finally:
            self.connections.discard(conn)
            writer.close()

    async def dispatch(self, conn: LocalConnection, line: bytes) -> None:
        try:
            command = COMMANDS.validate_json(line)
        except ValidationError as err:
            kinds = {e["type"] for e in err.errors()}
            code = "bad_request" if "json_invalid" in kinds else "invalid"
            if kinds & {"union_tag_invalid", "union_tag_not_found"}:
                code = "unknown_type"
            conn.send(error(_message_id(line), code, str(err.errors()[0]["msg"])))
            return
        handler = self.handlers.get(type(command))
        if handler is None:
            conn.send(error(command.id, "unknown_type", f"{type(command).__name__} is not served"))
            return
        try:
            result = await handler(conn, command)
        except LocalError as err:
            conn.send(error(command.id, err.code, err.message))
        except Exception:  # the socket's one dispatcher boundary: a bug must not kill the agent
            log.exception("local command %s failed", type(command).__name__)
            conn.send(error(command.id, "internal", "internal error; see the agent's log"))
        else:
            conn.send(reply(command.id, result))
        with contextlib.suppress(ConnectionError):
            await conn.writer.drain()


def _message_id(line: bytes) -> object:
    try:
        parsed = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    return parsed.get("id") if isinstance(parsed, dict) else None
