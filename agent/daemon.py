"""The per-user agent: working copies, the backend connection, findings and presence, and the local socket."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from agent.config import PAUSED_NAME, ConfigError, Credentials, load_credentials
from agent.findings import FindingBook, local_finding
from agent.gitrepo import NotARepository
from agent.localserver import LocalError, LocalServer
from agent.uplink import Offline, RemoteError, Uplink
from agent.workcopy import Workcopy
from tandem.protocol import (
    AgentInfo,
    ConnectionInfo,
    ConnectionNotification,
    FindingsNotification,
    MemberInfo,
    MembersResult,
    MentionNotification,
    PresenceNotification,
    StatusResult,
    WorkcopyNotification,
)

log = logging.getLogger(__name__)
VERSION = "0.1.0"


class Agent:
    """Composition root of the daemon; nothing starts before :meth:`start`."""

    def __init__(self, config_dir: Path, runtime_dir: Path, socket: Path) -> None:
        self.config_dir = config_dir
        self.runtime_dir = runtime_dir
        self.socket = socket
        self.credentials: Credentials | None = None
        self.workcopies: dict[Path, Workcopy] = {}
        self.book = FindingBook()
        self.paused = (config_dir / PAUSED_NAME).exists()
        self.followed: set[str] = set()
        self.stopped = asyncio.Event()
        self.server: LocalServer | None = None
        self._uplink: Uplink | None = None
        self._uplink_task: asyncio.Task[None] | None = None
        self._adding: dict[Path, asyncio.Task[Workcopy]] = {}
        self.config_error = ""

    @property
    def uplink(self) -> Uplink | None:
        return self._uplink

    @property
    def user_id(self) -> str:
        return self._uplink.user_id if self._uplink is not None else ""

    # -- lifecycle ------------------------------------------------------------------------------------------

    async def start(self, paths: Iterable[Path] = ()) -> None:
        from agent.localcommands import handlers

        self.server = LocalServer(self.socket, handlers(self))
        await self.server.start()
        await self.connect()
        for path in paths:
            try:
                await self.add(path)
            except LocalError as err:
                log.warning("not watching %s: %s", path, err.message)

    async def connect(self) -> None:
        """(Re)read the credentials and (re)start the backend connection."""
        if self._uplink is not None:
            await self._uplink.stop()
        if self._uplink_task is not None:
            await asyncio.gather(self._uplink_task, return_exceptions=True)
        self._uplink, self._uplink_task = None, None
        try:
            self.credentials = load_credentials(self.config_dir)
            self.config_error = ""
        except ConfigError as err:
            self.credentials, self.config_error = None, str(err)
        if self.credentials is not None:
            try:
                self._uplink = Uplink(
                    self.credentials.server,
                    self.credentials.token,
                    on_online=self.on_online,
                    on_event=self.on_event,
                    on_state=self.on_state,
                )
            except ValueError as err:
                self.config_error = f"the saved server URL is not usable: {err}; run `tandem login --server URL`"
            else:
                self._uplink_task = asyncio.create_task(self._uplink.run(), name="uplink")
        self.on_state()

    async def close(self) -> None:
        for workcopy in list(self.workcopies.values()):
            await workcopy.close()
        self.workcopies.clear()
        if self._uplink is not None:
            await self._uplink.stop()
        if self._uplink_task is not None:
            await asyncio.gather(self._uplink_task, return_exceptions=True)
        if self.server is not None:
            await self.server.close()

    # -- working copies -------------------------------------------------------------------------------------

    def workcopy_for(self, path: Path) -> Workcopy | None:
        """The watched working copy containing ``path`` (the innermost, for nested ones)."""
        found = [w for root, w in self.workcopies.items() if path == root or path.is_relative_to(root)]
        return max(found, key=lambda w: len(w.root.parts), default=None)

    async def add(self, path: Path) -> Workcopy:
        """Watch the working copy containing ``path`` (idempotent; concurrent adds of one copy share the work)."""
        path = await asyncio.to_thread(_resolved, path)
        existing = self.workcopy_for(path)
        if existing is not None:
            return existing
        task = self._adding.get(path)
        if task is None:
            task = asyncio.create_task(self._add(path))
            self._adding[path] = task
            task.add_done_callback(lambda _t: self._adding.pop(path, None))
        return await asyncio.shield(task)

    async def _add(self, path: Path) -> Workcopy:
        if not await asyncio.to_thread(path.exists):
            raise LocalError("not_found", f"{path} does not exist")
        try:
            workcopy = await Workcopy.open(path, self)
        except NotARepository as err:
            raise LocalError("not_a_repository", f"{path} is not inside a git working copy") from err
        if workcopy.root in self.workcopies:
            workcopy.repo.close()
            return self.workcopies[workcopy.root]
        self.workcopies[workcopy.root] = workcopy
        await workcopy.start()
        await workcopy.connect()
        return workcopy

    async def remove(self, path: Path) -> bool:
        workcopy = self.workcopy_for(await asyncio.to_thread(_resolved, path))
        if workcopy is None:
            return False
        self.workcopies.pop(workcopy.root, None)
        await workcopy.close()
        self._notify_findings(self.book.drop_workcopy(workcopy.id))
        return True

    def workcopy_changed(self, workcopy: Workcopy) -> None:
        if self.server is not None and workcopy.root in self.workcopies:
            self.server.broadcast(WorkcopyNotification(workcopy=workcopy.info()))

    # -- pause ------------------------------------------------------------------------------------------------

    async def pause(self) -> None:
        self.paused = True
        (self.config_dir / PAUSED_NAME).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        (self.config_dir / PAUSED_NAME).touch()
        await self._presence("away")
        for workcopy in list(self.workcopies.values()):
            await workcopy.withdraw()
            workcopy.set_status("paused", "reporting is paused (tandem agent resume)")
            self._notify_findings(self.book.drop_workcopy(workcopy.id))
        self.on_state()

    async def resume(self) -> None:
        self.paused = False
        with contextlib.suppress(FileNotFoundError):
            (self.config_dir / PAUSED_NAME).unlink()
        await self._presence("active")
        for workcopy in list(self.workcopies.values()):
            await workcopy.connect()
        self.on_state()

    async def _presence(self, activity: str) -> None:
        if self._uplink is not None and self._uplink.state == "online":
            with contextlib.suppress(Offline, RemoteError):
                await self._uplink.request("presence.set", activity=activity)

    # -- the backend --------------------------------------------------------------------------------------------

    async def on_online(self) -> None:
        """After every (re)connection: follow the projects again and resend every working copy whole."""
        self.followed.clear()
        for workcopy in list(self.workcopies.values()):
            await workcopy.connect()
        if self.paused:
            await self._presence("away")  # after the working copies: their reports count as activity

    async def follow(self, project_id: str) -> None:
        uplink = self._uplink
        if project_id in self.followed or uplink is None:
            return
        result = await uplink.request("subscribe", project_id=project_id)
        self.followed.add(project_id)
        self.book.set_presence(project_id, result.get("presence") or [])
        self._notify_presence(project_id)

    def on_state(self) -> None:
        if self.server is not None:
            self.server.broadcast(ConnectionNotification(connection=self.connection_info()))

    def on_event(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "finding":
            finding = self.book.apply_event(event)
            if finding is not None:
                self._notify_findings([finding])
        elif kind == "finding.muted":
            muted = self.book.findings.pop(str(event.get("finding_id")), None)
            if muted is not None:
                self._notify_findings([muted])
        elif kind == "presence":
            project_id = self.book.update_presence(event)
            if project_id is not None:
                self._notify_presence(project_id)
        elif kind == "mention" and self.server is not None:
            self.server.broadcast(
                MentionNotification(
                    from_user_id=str(event.get("from_user_id", "")),
                    from_name=str(event.get("from_name") or ""),
                    project_id=str(event.get("project_id") or ""),
                    finding_id=str(event["finding_id"]) if event.get("finding_id") else None,
                    text=str(event.get("text") or ""),
                    at=float(event.get("at") or 0.0),
                )
            )
        elif kind in ("member.left", "project.deleted") and event.get("user_id") in (None, self.user_id):
            for workcopy in self.workcopies.values():
                if workcopy.resolved.get("project_id") == event.get("project_id"):
                    workcopy.resync()

    def snapshot_findings(self, workcopy: Workcopy, findings: list[dict[str, Any]]) -> None:
        self._notify_findings(self.book.replace_for(workcopy.id, findings))

    def _notify_findings(self, findings: Iterable[dict[str, Any]]) -> None:
        """Push the new complete list of every local file these findings concern."""
        if self.server is None:
            return
        files: dict[str, tuple[Workcopy, str]] = {}
        for raw in findings:
            for workcopy in self.workcopies.values():
                local = local_finding(raw, workcopy.local_view(self.user_id))
                if local is not None:
                    files[local.file] = (workcopy, local.path)
        for file, (workcopy, path) in sorted(files.items()):
            current = self.book.for_view(workcopy.local_view(self.user_id), path)
            self.server.broadcast(FindingsNotification(file=file, findings=tuple(current)))

    def _notify_presence(self, project_id: str) -> None:
        if self.server is not None:
            entries = tuple(self.book.teammates(project_id, self.user_id))
            self.server.broadcast(PresenceNotification(project_id=project_id, presence=entries))

    async def members(self, project_id: str) -> MembersResult:
        """A project's members with their names, from the backend's HTTP API (raises ``AccountError``)."""
        from agent.account import AccountError, Api

        if self.credentials is None:
            raise AccountError("not signed in: run `tandem login`")
        body = await Api(self.credentials.server, self.credentials.token).call(
            "GET", f"/api/projects/{project_id}/members"
        )
        items = tuple(
            MemberInfo.model_validate({k: m.get(k, "") for k in ("user_id", "name", "email")}) for m in body["items"]
        )
        return MembersResult(project_id=project_id, items=items)

    # -- what clients see -----------------------------------------------------------------------------------------

    def connection_info(self) -> ConnectionInfo:
        credentials = self.credentials
        if credentials is None or self._uplink is None:
            message = self.config_error or "not signed in: run `tandem login`"
            return ConnectionInfo(state="signed_out", message=message, paused=self.paused)
        uplink = self._uplink
        return ConnectionInfo(
            state=uplink.state,
            server=credentials.server,
            user_id=uplink.user_id or credentials.user_id,
            email=credentials.email,
            message=uplink.message,
            paused=self.paused,
        )

    def status(self, path: Path | None) -> StatusResult:
        if path is None:
            workcopies = list(self.workcopies.values())
        else:
            found = self.workcopy_for(path)
            workcopies = [found] if found is not None else []
        projects = sorted({str(w.resolved.get("project_id")) for w in workcopies if w.resolved})
        presence = [p for project in projects for p in self.book.teammates(project, self.user_id)]
        findings = [f for w in workcopies for f in self.book.for_view(w.local_view(self.user_id))]
        return StatusResult(
            agent=AgentInfo(pid=os.getpid(), version=VERSION),
            connection=self.connection_info(),
            workcopies=tuple(w.info() for w in workcopies),
            presence=tuple(presence),
            findings=tuple(findings),
        )


def _resolved(path: Path) -> Path:
    return path.expanduser().resolve()
