"""``tandem agent --once PATH``: report one working copy, wait for the backend's answer, and stop."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent.config import Credentials
from agent.findings import FindingBook
from agent.gitrepo import NotARepository
from agent.uplink import Backoff, Uplink
from agent.workcopy import Workcopy
from tandem.protocol import ConnectionInfo, LocalFinding, WorkcopyInfo

ONCE_TIMEOUT = 60.0


class OnceError(Exception):
    """The report could not be made; the message says why and what to do."""


@dataclass
class OnceResult:
    workcopy: WorkcopyInfo
    connection: ConnectionInfo
    findings: list[LocalFinding] = field(default_factory=list)

    @property
    def reported(self) -> bool:
        return self.workcopy.status == "ready"

    def to_json(self) -> dict[str, Any]:
        return {
            "reported": self.reported,
            "workcopy": self.workcopy.model_dump(),
            "connection": self.connection.model_dump(),
            "findings": [f.model_dump() for f in self.findings],
        }


class _OnceHost:
    """The little a one-shot report needs of a daemon."""

    paused = False

    def __init__(self) -> None:
        self.book = FindingBook()
        self.uplink_: Uplink | None = None
        self.findings: list[dict[str, Any]] = []

    @property
    def uplink(self) -> Uplink | None:
        return self.uplink_

    async def follow(self, project_id: str) -> None:
        """No presence needed for one report."""

    def snapshot_findings(self, workcopy: Workcopy, findings: list[dict[str, Any]]) -> None:
        self.book.replace_for(workcopy.id, findings)

    def workcopy_changed(self, workcopy: Workcopy) -> None:
        """Nobody to tell."""


async def report_once(credentials: Credentials, path: Path, *, limit: float = ONCE_TIMEOUT) -> OnceResult:
    host = _OnceHost()
    try:
        workcopy = await Workcopy.open(path, host)
    except NotARepository as err:
        raise OnceError(f"{path} is not inside a git working copy") from err
    done = asyncio.Event()

    async def on_online() -> None:
        try:
            await workcopy.connect()
        finally:
            done.set()

    def on_state() -> None:
        if uplink.state in ("offline", "unauthorized", "incompatible"):
            done.set()  # one attempt only: scripts want an answer, not a retry loop

    uplink = Uplink(
        credentials.server,
        credentials.token,
        client="tandem-once",
        on_online=on_online,
        on_event=lambda _event: None,
        on_state=on_state,
        backoff=Backoff(initial=3600),
    )
    host.uplink_ = uplink
    runner = asyncio.create_task(uplink.run())
    try:
        await asyncio.wait_for(done.wait(), limit)
    except TimeoutError as err:
        raise OnceError(f"no answer from {credentials.server} within {limit:.0f} s") from err
    finally:
        connection = ConnectionInfo(
            state=uplink.state,
            server=credentials.server,
            user_id=uplink.user_id,
            email=credentials.email,
            message=uplink.message,
        )
        await uplink.stop()
        await asyncio.gather(runner, return_exceptions=True)
        workcopy.repo.close()
    info = workcopy.info()
    if connection.state != "online" and info.status == "starting":
        info = info.model_copy(update={"status": "offline", "message": connection.message})
    findings = host.book.for_view(workcopy.local_view(uplink.user_id))
    return OnceResult(info, connection, findings)
