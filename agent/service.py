"""Running the agent as a per-user daemon: one instance (a lock in the runtime dir), logs to a file, signals."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import logging.handlers
import os
import signal
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

from agent.config import LOCK_NAME, LOG_NAME, private_dir, socket_path
from agent.daemon import Agent
from tandem.logs import JsonFormatter

log = logging.getLogger(__name__)
SOCKET_CHECK = 30.0
"""Seconds between checks that the agent's socket still exists."""


class AlreadyRunning(RuntimeError):
    """Another agent of this user holds the runtime dir's lock."""


@contextlib.contextmanager
def instance_lock(runtime: Path) -> Iterator[IO[str]]:
    """Held for the daemon's whole life: the kernel releases it when the process ends, however it ends."""
    private_dir(runtime)
    handle = (runtime / LOCK_NAME).open("a+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as err:
            raise AlreadyRunning(str(runtime)) from err
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        yield handle
    finally:
        handle.close()


def configure_logging(runtime: Path, level: str = "INFO") -> None:
    """JSON lines to ``agent.log`` in the runtime dir (rotated at 5 MiB); the token is never logged."""
    handler = logging.handlers.RotatingFileHandler(runtime / LOG_NAME, maxBytes=5 << 20, backupCount=2)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("websockets").setLevel(logging.WARNING)  # its debug lines would include headers
    logging.getLogger("git").setLevel(logging.WARNING)


async def serve(config_dir: Path, runtime: Path, paths: Sequence[Path] = ()) -> None:
    """Run an agent until ``stop`` on the socket, SIGTERM or SIGINT."""
    agent = Agent(config_dir, runtime, socket_path(runtime))
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, agent.stopped.set)
    watchdog: asyncio.Task[None] | None = None
    try:
        await agent.start(paths)
        log.info("agent started", extra={"pid": os.getpid(), "socket": str(agent.socket)})
        watchdog = asyncio.create_task(_stop_when_socket_goes(agent, _inode(agent.socket)))
        await agent.stopped.wait()
    finally:
        if watchdog is not None:
            watchdog.cancel()
        log.info("agent stopping")
        await agent.close()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)


async def _stop_when_socket_goes(agent: Agent, identity: int | None, every: float = SOCKET_CHECK) -> None:
    """An agent whose socket (inode ``identity``) was removed or replaced can no longer be reached: it stops."""
    socket = agent.socket
    while True:
        await asyncio.sleep(every)
        if identity is None or _inode(socket) != identity:
            log.warning("socket %s is gone: stopping", socket)
            agent.stopped.set()
            return


def _inode(path: Path) -> int | None:
    try:
        return path.stat().st_ino
    except FileNotFoundError:
        return None


def run(config_dir: Path, runtime: Path, paths: Sequence[Path] = (), *, log_level: str = "INFO") -> None:
    """The daemon's entry point (``tandem agent``); raises :class:`AlreadyRunning`."""
    with instance_lock(runtime):
        configure_logging(runtime, log_level)
        asyncio.run(serve(config_dir, runtime, paths))
