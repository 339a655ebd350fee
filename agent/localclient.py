"""A client of the agent's socket (for the CLI and language servers), and starting the agent on demand."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson

from agent.config import OUTPUT_NAME, private_dir, socket_path
from agent.localserver import MAX_LINE
from tandem.protocol import LOCAL_PROTOCOL_VERSION

START_TIMEOUT = 15.0


class AgentError(Exception):
    """The agent answered a command with an error, or could not be reached or started."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class LocalClient:
    """``async with LocalClient(path) as c: await c.call("status")``; notifications queue in ``events``."""

    def __init__(self, path: Path, *, client: str = "tandem-cli") -> None:
        self.path = path
        self.client = client
        self.events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._ids = itertools.count(1)
        self._replies: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._reader_task: asyncio.Task[None] | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def __aenter__(self) -> LocalClient:
        try:
            reader, self._writer = await asyncio.open_unix_connection(str(self.path), limit=MAX_LINE)
        except OSError as err:
            raise AgentError("not_running", f"no agent at {self.path}: {err.strerror}") from err
        self._reader_task = asyncio.create_task(self._read(reader))
        await self.call("hello", protocol=LOCAL_PROTOCOL_VERSION, client=self.client)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(ConnectionError):
                await self._writer.wait_closed()
        if self._reader_task is not None:
            self._reader_task.cancel()
            await asyncio.gather(self._reader_task, return_exceptions=True)

    async def _read(self, reader: asyncio.StreamReader) -> None:
        try:
            while line := await reader.readline():
                frame = orjson.loads(line)
                if "ok" in frame:
                    future = self._replies.pop(frame.get("id"), None)
                    if future is not None and not future.done():
                        future.set_result(frame)
                else:
                    await self.events.put(frame)
        finally:
            for future in self._replies.values():
                if not future.done():
                    future.set_exception(AgentError("closed", "the agent closed the connection"))

    async def call(self, type_: str, *, wait: float = 30.0, **fields: Any) -> dict[str, Any]:
        """Send a command, return its result; an error reply raises :class:`AgentError`."""
        assert self._writer is not None, "use the client in `async with`"
        message_id = next(self._ids)
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._replies[message_id] = future
        self._writer.write(orjson.dumps({"id": message_id, "type": type_, **fields}) + b"\n")
        await self._writer.drain()
        reply = await asyncio.wait_for(future, wait)
        if not reply.get("ok"):
            error = reply.get("error") or {}
            raise AgentError(str(error.get("code")), str(error.get("message")))
        result: dict[str, Any] = reply["result"]
        return result


def agent_running(runtime: Path) -> bool:
    """Whether an agent answers on the runtime dir's socket."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        try:
            probe.connect(str(socket_path(runtime)))
        except OSError:
            return False
    return True


def ensure_agent(runtime: Path, *, environ: Mapping[str, str] | None = None, timeout: float = START_TIMEOUT) -> Path:
    """The socket of this user's agent, starting one (detached, in its own session) when none answers.

    Like ``gopls -remote=auto``: the first client starts the daemon, the next ones find it. The daemon's
    stdout/stderr go to ``agent.out`` in the runtime dir; its own log is ``agent.log`` there.
    """
    path = socket_path(runtime)
    if agent_running(runtime):
        return path
    private_dir(runtime)
    env = dict(os.environ if environ is None else environ)
    env["TANDEM_RUNTIME_DIR"] = str(runtime)
    with (runtime / OUTPUT_NAME).open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tandem", "agent"],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=env,
            close_fds=True,
            cwd="/",
        )
    deadline = time.monotonic() + timeout
    exited = False  # exit 0: it found another instance starting at the same moment; wait for that one
    while time.monotonic() < deadline:
        if agent_running(runtime):
            return path
        code = None if exited else proc.poll()
        if code is not None:
            if code != 0:
                raise AgentError("start_failed", f"the agent exited with {code}: {_tail(runtime / OUTPUT_NAME)}")
            exited = True
        time.sleep(0.05)  # waiting on another process to bind its socket: nothing to await
    raise AgentError("start_failed", f"the agent did not start within {timeout:.0f} s; see {runtime / OUTPUT_NAME}")


def _tail(path: Path, lines: int = 5) -> str:
    try:
        return " | ".join(path.read_text("utf-8", errors="replace").strip().splitlines()[-lines:])
    except OSError:
        return "(no output)"
