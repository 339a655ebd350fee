"""The language server's connection to the user's agent: start it if allowed, subscribe, reconnect quietly."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from pydantic import ValidationError

from agent.config import ConfigError, socket_path
from agent.localclient import AgentError, agent_running, ensure_agent
from agent.localserver import MAX_LINE
from tandem.protocol import LOCAL_PROTOCOL_VERSION, StatusResult

log = logging.getLogger(__name__)

CALL_TIMEOUT = 30.0
RETRY_FIRST = 0.5
RETRY_MAX = 10.0


class AgentUnavailable(Exception):
    """No agent answers (or it refused a command); the message says why in one sentence."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class AgentLink:
    """One connection to the agent's socket for as long as :meth:`run` runs.

    ``on_status`` gets the full status after every (re)connection, ``on_event`` every notification, in
    order, and ``on_lost`` is told when a connection ends. Nothing here raises into the editor: failures
    are logged and retried with back-off (0.5 s doubling to 10 s), or at once after :meth:`wake`.
    """

    def __init__(
        self,
        runtime: Path,
        *,
        auto_start: Callable[[], bool],
        on_status: Callable[[StatusResult], None],
        on_event: Callable[[dict[str, Any]], None],
        on_lost: Callable[[], None],
        client: str = "tandem-lsp",
    ) -> None:
        self.runtime = runtime
        self.socket = socket_path(runtime)
        self.auto_start = auto_start
        self.on_status = on_status
        self.on_event = on_event
        self.on_lost = on_lost
        self.client = client
        self.connected = asyncio.Event()
        self._writer: asyncio.StreamWriter | None = None
        self._replies: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._ids = itertools.count(1)
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()

    # -- the connection loop -----------------------------------------------------------------------------

    async def run(self) -> None:
        delay = RETRY_FIRST
        while not self._stopping.is_set():
            self._wake.clear()  # a wake from here on (a restart while we connect) retries at once
            try:
                reader = await self._open()
                delay = RETRY_FIRST
                await self._read(reader)
            except (OSError, AgentError, AgentUnavailable, ConfigError, ValidationError) as err:
                log.info("agent not reachable: %s", err)
            finally:
                self._closed()
            if self._stopping.is_set():
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)
            delay = min(delay * 2, RETRY_MAX)

    def wake(self) -> None:
        """Try to connect now (after a restart, or when the settings allow starting the agent)."""
        self._wake.set()

    async def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        await self.disconnect()

    async def disconnect(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(ConnectionError):
                await self._writer.wait_closed()

    async def _open(self) -> asyncio.StreamReader:
        if self.auto_start():
            await asyncio.to_thread(ensure_agent, self.runtime)
        elif not await asyncio.to_thread(agent_running, self.runtime):
            raise AgentUnavailable("not_running", f"no agent at {self.socket} (automatic start is off)")
        reader, self._writer = await asyncio.open_unix_connection(str(self.socket), limit=MAX_LINE)
        # Handshake read in line: nothing is pushed to us before ``subscribe`` answers, and its status is
        # the state every later notification applies to.
        hello = {"id": 0, "type": "hello", "protocol": LOCAL_PROTOCOL_VERSION, "client": self.client}
        self._writer.write(orjson.dumps(hello) + b"\n" + orjson.dumps({"id": -1, "type": "subscribe"}) + b"\n")
        await self._writer.drain()
        for expected in (0, -1):
            line = await asyncio.wait_for(reader.readline(), CALL_TIMEOUT)
            if not line:
                raise AgentUnavailable("closed", "the agent closed the connection")
            frame = orjson.loads(line)
            if frame.get("id") != expected or not frame.get("ok"):
                error = frame.get("error") or {}
                raise AgentUnavailable(str(error.get("code")), f"the agent refused us: {error.get('message')}")
        self.on_status(StatusResult.model_validate(frame["result"]))
        self.connected.set()
        return reader

    async def _read(self, reader: asyncio.StreamReader) -> None:
        while line := await reader.readline():
            self._dispatch(line)

    def _dispatch(self, line: bytes) -> None:
        try:
            frame = orjson.loads(line)
        except orjson.JSONDecodeError:
            log.warning("unreadable line from the agent")
            return
        if not isinstance(frame, dict):
            return
        if "ok" in frame:
            future = self._replies.pop(frame.get("id"), None)  # type: ignore[arg-type]
            if future is not None and not future.done():
                future.set_result(frame)
        else:
            self.on_event(frame)

    def _closed(self) -> None:
        was_connected = self.connected.is_set()
        self.connected.clear()
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        replies, self._replies = self._replies, {}
        for future in replies.values():
            if not future.done():
                future.set_exception(AgentUnavailable("closed", "the agent closed the connection"))
        if was_connected:
            self.on_lost()

    # -- commands ------------------------------------------------------------------------------------------

    async def call(self, type_: str, **fields: Any) -> dict[str, Any]:
        """Send a command and return its result; raises :class:`AgentUnavailable` (not connected, refused)."""
        writer = self._writer
        if writer is None or writer.is_closing():
            raise AgentUnavailable("not_connected", "not connected to the Tandem agent")
        message_id = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._replies[message_id] = future
        try:
            writer.write(orjson.dumps({"id": message_id, "type": type_, **fields}) + b"\n")
            await writer.drain()
            reply = await asyncio.wait_for(future, CALL_TIMEOUT)
        except (ConnectionError, TimeoutError) as err:
            self._replies.pop(message_id, None)
            raise AgentUnavailable("closed", f"the agent did not answer {type_}: {err}") from err
        if not reply.get("ok"):
            error = reply.get("error") or {}
            raise AgentUnavailable(str(error.get("code")), str(error.get("message")))
        result: dict[str, Any] = reply.get("result") or {}
        return result
