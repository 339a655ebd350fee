"""The agent's connection to the backend hub: hello, heartbeats, replies by id, events, reconnection."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus, InvalidURI, WebSocketException

from tandem.protocol import PROTOCOL_VERSION, CloseCode, ConnectionState

log = logging.getLogger(__name__)

REQUEST_TIMEOUT = 30.0
OPEN_TIMEOUT = 10.0


class RemoteError(Exception):
    """The backend answered a command with an error."""

    def __init__(self, code: str, message: str, details: Any = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.details = details


class Offline(Exception):
    """Not connected (or the connection dropped before the reply)."""


@dataclass
class Backoff:
    """Exponential back-off with jitter: 0.5 s doubling to 30 s, each wait drawn from [50 %, 100 %]."""

    initial: float = 0.5
    maximum: float = 30.0
    attempt: int = 0

    def next(self) -> float:
        delay = min(self.maximum, self.initial * 2.0**self.attempt)
        self.attempt += 1
        return delay * random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not cryptography

    def reset(self) -> None:
        self.attempt = 0


def websocket_url(server: str) -> str:
    """``http(s)://host[/prefix]`` -> ``ws(s)://host[/prefix]/api/ws``."""
    parts = urlsplit(server.strip())
    scheme = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}.get(parts.scheme.lower())
    if scheme is None or not parts.netloc:
        raise ValueError(f"{server!r} is not an http(s):// URL")
    return urlunsplit((scheme, parts.netloc, parts.path.rstrip("/") + "/api/ws", "", ""))


class Uplink:
    """Keeps one WebSocket to the hub open for as long as ``run`` runs, reconnecting with back-off.

    ``on_online`` runs (as its own task) after every successful ``hello``: the agent resolves and snapshots its
    working copies there. ``on_event`` gets every event frame, synchronously, in order. ``on_state`` is told
    whenever :attr:`state` or :attr:`message` change.
    """

    def __init__(
        self,
        server: str,
        token: str,
        *,
        client: str = "tandem-agent",
        on_online: Callable[[], Awaitable[None]],
        on_event: Callable[[dict[str, Any]], None],
        on_state: Callable[[], None] = lambda: None,
        backoff: Backoff | None = None,
    ) -> None:
        self.server = server
        self.url = websocket_url(server)
        self.token = token
        self.client = client
        self.on_online = on_online
        self.on_event = on_event
        self.on_state = on_state
        self.backoff = backoff or Backoff()
        self.state: ConnectionState = "connecting"
        self.message = ""
        self.user_id = ""
        self.heartbeat_interval = 20.0
        self.max_message_bytes = 1 << 20
        self.sent = 0
        """Frames sent since start (the benchmark counts them)."""
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._ws: ClientConnection | None = None
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self.online = asyncio.Event()

    # -- state ----------------------------------------------------------------------------------------

    def _set(self, state: ConnectionState, message: str = "") -> None:
        if (state, message) != (self.state, self.message):
            self.state, self.message = state, message
            if state == "online":
                self.online.set()
            else:
                self.online.clear()
            log.info("backend connection %s %s", state, message, extra={"server": self.server})
            self.on_state()

    def reconnect_now(self) -> None:
        """Skip the back-off wait (after ``tandem login`` or a resume)."""
        self.backoff.reset()
        self._wake.set()

    async def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._ws is not None:
            await self._ws.close()

    # -- the connection loop ----------------------------------------------------------------------------

    async def run(self) -> None:
        while not self._stopping.is_set():
            retry = await self._session()
            if self._stopping.is_set():
                break
            delay = self.backoff.next() if retry else None  # None: wait until told to try again
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)

    async def _session(self) -> bool:
        """One connection, from the upgrade to its end; False when retrying cannot help on its own."""
        self._set("connecting", self.message)
        headers = {"Authorization": f"Bearer {self.token}"}
        try:
            async with connect(
                self.url,
                additional_headers=headers,
                open_timeout=OPEN_TIMEOUT,
                max_size=None,  # the hub bounds what it sends; a large snapshot reply must not drop us
                user_agent_header=f"{self.client} (protocol {PROTOCOL_VERSION})",
            ) as ws:
                return await self._serve(ws)
        except InvalidStatus as err:
            status = err.response.status_code
            if status == 401:
                self._set("unauthorized", "the server refused the saved token (revoked or expired): run `tandem login`")
                return False
            self._set("offline", f"{self.server} answered the WebSocket upgrade with HTTP {status}: is it Tandem?")
        except InvalidURI as err:
            self._set("offline", f"bad server URL {self.server}: {err}")
            return False
        except (OSError, TimeoutError) as err:
            self._set("offline", f"cannot reach {self.server}: {err.strerror if isinstance(err, OSError) else err}")
        except WebSocketException as err:
            self._set("offline", f"connection to {self.server} failed: {err}")
        return True

    async def _serve(self, ws: ClientConnection) -> bool:
        if self._stopping.is_set():
            # stop() ran while this connection was being opened, when there was no socket to close yet;
            # checked and set with no await between, so a later stop() always finds the socket.
            return False
        self._ws = ws
        reader = asyncio.create_task(self._read(ws))
        tasks: list[asyncio.Task[None]] = []
        try:
            hello = await self.request("hello", protocol=PROTOCOL_VERSION, client=self.client)
            if hello.get("accepted") is False:
                self._set(
                    "incompatible",
                    f"the server speaks protocol {hello.get('protocol')}, this agent {PROTOCOL_VERSION}: "
                    "upgrade Tandem",
                )
                return False
            self.user_id = str(hello.get("user_id", ""))
            self.heartbeat_interval = float(hello.get("heartbeat_interval", self.heartbeat_interval))
            limits = hello.get("limits") or {}
            self.max_message_bytes = int(limits.get("max_message_bytes", self.max_message_bytes))
            self.backoff.reset()
            self._set("online")
            tasks = [asyncio.create_task(self._heartbeat()), asyncio.create_task(self._online())]
            await reader
        except (Offline, RemoteError, ConnectionClosed) as err:
            log.info("session ended: %s", err)
        finally:
            for task in [reader, *tasks]:
                task.cancel()
            await asyncio.gather(reader, *tasks, return_exceptions=True)
            self._ws = None
            self._fail_pending()
        code = ws.close_code
        if code == CloseCode.UNSUPPORTED_PROTOCOL:
            self._set("incompatible", f"the server does not speak protocol {PROTOCOL_VERSION}: upgrade Tandem")
            return False
        if code == CloseCode.UNAUTHENTICATED:
            self._set("unauthorized", "the server ended the session (token revoked?): run `tandem login`")
            return False
        reason = f" ({ws.close_reason})" if ws.close_reason else ""
        self._set("offline", f"connection closed with code {code}{reason}; reconnecting")
        return True

    async def _online(self) -> None:
        try:
            await self.on_online()
        except (Offline, RemoteError) as err:
            log.info("resync after connecting interrupted: %s", err)

    async def _heartbeat(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_interval)
            try:
                await self.request("ping")
            except (Offline, RemoteError) as err:
                log.info("heartbeat failed: %s", err)
                return

    async def _read(self, ws: ClientConnection) -> None:
        with contextlib.suppress(ConnectionClosed):
            async for raw in ws:
                try:
                    frame = orjson.loads(raw)
                except orjson.JSONDecodeError:
                    log.warning("unreadable frame from the backend")
                    continue
                if not isinstance(frame, dict):
                    continue
                if "ok" in frame:
                    future = self._pending.pop(frame.get("id"), None)  # type: ignore[arg-type]
                    if future is not None and not future.done():
                        future.set_result(frame)
                    elif frame.get("ok") is False:
                        log.warning("backend error %s", frame.get("error"))
                else:
                    self.on_event(frame)

    def _fail_pending(self) -> None:
        pending, self._pending = self._pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(Offline("the connection to the backend closed"))

    # -- commands -----------------------------------------------------------------------------------------

    async def request(self, type_: str, **fields: Any) -> dict[str, Any]:
        """Send a command and return its result; ``orjson.Fragment`` values go out as they are (pre-encoded)."""
        ws = self._ws
        if ws is None:
            raise Offline("not connected to the backend")
        message_id = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[message_id] = future
        try:
            await ws.send(orjson.dumps({"id": message_id, "type": type_, **fields}), text=True)
        except ConnectionClosed as err:
            self._pending.pop(message_id, None)
            raise Offline("the connection to the backend closed") from err
        self.sent += 1
        try:
            reply = await asyncio.wait_for(future, REQUEST_TIMEOUT)
        except TimeoutError as err:
            self._pending.pop(message_id, None)
            raise Offline(f"no reply to {type_} within {REQUEST_TIMEOUT:.0f} s") from err
        if not reply.get("ok"):
            error = reply.get("error") or {}
            raise RemoteError(str(error.get("code", "error")), str(error.get("message", "")), error.get("details"))
        result: dict[str, Any] = reply.get("result") or {}
        return result
