"""One watched working copy: resolve it with the backend, snapshot it, then stream what changes.

Events are coalesced: a lone save is recomputed for that file and leaves at once; a burst (a checkout, a
formatter over thousands of files) or a git operation (commit, branch switch, pull, rebase, stage) waits until
the tree is quiet, then one whole-copy computation produces one message (a snapshot when HEAD, the branch or
the base moved, else an update with the difference). Nothing queues up while offline: the working copy's
current change set is the outbox, sent whole as a snapshot after reconnecting.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import socket
import time
from pathlib import Path
from typing import Any, Protocol

import msgspec
import orjson

from agent import compute, memory
from agent.config import read_link
from agent.findings import LocalView
from agent.gitrepo import GitError, GitRepo
from agent.repostate import RepoState, read_state
from agent.uplink import Offline, RemoteError, Uplink
from agent.watcher import Batch, Watcher, WatchFilter
from tandem.protocol import FileChange, Focus, WorkcopyInfo, WorkcopyStatus

log = logging.getLogger(__name__)

BURST = 200
"""More paths than this in one batch: one whole-copy computation (cheaper, and one message)."""
SETTLE = 0.25
"""Quiet time awaited after a burst or a git operation before computing."""
SETTLE_MAX = 5.0
LOCK_MAX = 120.0
FOCUS_DELAY = 0.3
"""Focus moves are forwarded at most this often (they ride along with updates anyway)."""
FRAME_MARGIN = 4096


class Host(Protocol):
    """What a working copy needs from the daemon around it."""

    paused: bool

    @property
    def uplink(self) -> Uplink | None: ...

    async def follow(self, project_id: str) -> None: ...

    def snapshot_findings(self, workcopy: Workcopy, findings: list[dict[str, Any]]) -> None: ...

    def workcopy_changed(self, workcopy: Workcopy) -> None: ...


def workcopy_id(root: Path) -> str:
    """Stable for this folder on this machine: a restarted agent replaces its own earlier report."""
    digest = hashlib.sha256(f"{socket.gethostname()}\0{root}".encode()).hexdigest()
    return f"wc-{digest[:24]}"


class Workcopy:
    def __init__(self, repo: GitRepo, host: Host) -> None:
        self.repo = repo
        self.root = repo.root
        self.id = workcopy_id(repo.root)
        self.host = host
        self.status: WorkcopyStatus = "starting"
        self.message = ""
        self.state: RepoState | None = None
        self.resolved: dict[str, Any] = {}
        self.key = b""
        self.view: dict[str, FileChange] = {}
        """What the backend holds (or will, once connected) for this working copy."""
        self.buffers: dict[str, tuple[str, int]] = {}
        self.reported_versions: dict[str, int] = {}
        self.focus: Focus | None = None
        self._focus_sent: Focus | None = None
        """The focus the backend last got (it rides along with file updates)."""
        self.seq = 0
        self.needs_snapshot = True
        self.messages = 0
        self._pending: set[str] = set()
        self._resync = False
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()
        self._focus_task: asyncio.Task[None] | None = None
        self._task: asyncio.Task[None] | None = None
        self.watcher: Watcher | None = None

    @classmethod
    async def open(cls, path: Path, host: Host) -> Workcopy:
        repo = await asyncio.to_thread(lambda: GitRepo(path.expanduser().resolve()))
        return cls(repo, host)

    async def start(self) -> None:
        """Install the watches (an edit after this returns is seen) and start the worker."""
        started = time.perf_counter()
        common, excludes = await asyncio.to_thread(_git_locations, self.repo)
        self.watcher = Watcher(WatchFilter(self.root, self.repo.git_dir, common, excludes), self.on_batch)
        await self.watcher.start()
        elapsed = round(time.perf_counter() - started, 4)
        log.info("watching %s", self.root, extra={"watch_setup_s": elapsed})
        self._task = asyncio.create_task(self._run(), name=f"workcopy {self.root}")

    async def close(self) -> None:
        """Stop watching; withdraw the working copy from the backend when connected."""
        for task in (self._task, self._focus_task):
            if task is not None:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
        if self.watcher is not None:
            await self.watcher.stop()
        await self.withdraw()
        self.repo.close()

    async def withdraw(self) -> None:
        """Tell the backend to forget this working copy (pause, removal); the next report is a snapshot."""
        self.needs_snapshot = True
        uplink = self.host.uplink
        if uplink is not None and uplink.state == "online" and self.resolved:
            with contextlib.suppress(Offline, RemoteError):
                await uplink.request("workcopy.close", workcopy=self.id)

    # -- input from the watcher and the editor -------------------------------------------------------------

    def on_batch(self, batch: Batch) -> None:
        self._pending |= batch.paths
        self._resync |= batch.git or batch.ignores
        self._wake.set()

    def touch(self, path: str) -> None:
        self._pending.add(path)
        self._wake.set()

    def resync(self) -> None:
        self._resync = True
        self._wake.set()

    def set_buffer(self, path: str, text: str | None, version: int = 0) -> None:
        if text is None:
            self.buffers.pop(path, None)
        else:
            self.buffers[path] = (text, version)
        self.touch(path)

    def set_focus(self, path: str, line: int) -> None:
        self.focus = Focus(path=path, line=line)
        if self._focus_task is None or self._focus_task.done():
            self._focus_task = asyncio.create_task(self._flush_focus())

    async def _flush_focus(self) -> None:
        await asyncio.sleep(FOCUS_DELAY)
        if self.focus == self._focus_sent:
            return  # an update carried it already: no extra round trip in the way of the next edit
        async with self._lock:
            if self._can_send() and not self.needs_snapshot:
                with contextlib.suppress(Offline, RemoteError):
                    await self._send_update([], [])

    # -- the worker -------------------------------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            if self._resync or len(self._pending) > BURST:
                await self._settle()
            self._wake.clear()
            paths, resync = self._pending, self._resync
            self._pending, self._resync = set(), False
            async with self._lock:
                if not self._can_send():
                    self.needs_snapshot = True
                    continue
                await self._guarded(self._report(paths, full=resync or len(paths) > BURST))

    async def _settle(self) -> None:
        """Wait until events stop for ``SETTLE`` seconds and git let go of its locks: at most ``SETTLE_MAX``
        seconds of a burst, or ``LOCK_MAX`` of a git operation (a stale lock must not silence us for good)."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        while loop.time() - started < LOCK_MAX:
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), SETTLE)
            except TimeoutError:
                if not self._git_busy():
                    return
            else:
                if loop.time() - started > SETTLE_MAX and not self._git_busy():
                    return  # a burst that never pauses (a build writing forever): report what there is

    def _git_busy(self) -> bool:
        return any((self.repo.git_dir / lock).exists() for lock in ("index.lock", "HEAD.lock"))

    def _can_send(self) -> bool:
        uplink = self.host.uplink
        return bool(self.resolved) and not self.host.paused and uplink is not None and uplink.state == "online"

    async def _guarded(self, work: Any) -> None:
        try:
            await work
        except Offline:
            self.needs_snapshot = True
        except RemoteError as err:
            if err.code == "resync_needed":  # the backend lost our state (restart, another connection took over)
                self.needs_snapshot = True
                self.resync()
            elif err.code == "unavailable":  # not taken (the backend's bus is away): the next report is whole
                self.needs_snapshot = True
                log.info("the backend could not take a report of %s now: %s", self.root, err)
            else:
                log.warning("the backend refused a report of %s: %s", self.root, err)
        except (GitError, OSError) as err:
            log.warning("computing the changes of %s failed: %s", self.root, err)
            self.set_status("error", f"git failed: {err}")

    async def _report(self, paths: set[str], *, full: bool) -> None:
        buffers = {p: text for p, (text, _v) in self.buffers.items()}
        versions = {p: v for p, (_t, v) in self.buffers.items()}
        if full or self.needs_snapshot:
            started = time.perf_counter()
            computed = await asyncio.to_thread(compute.compute_full, self.repo, self.key, buffers)
            elapsed = round(time.perf_counter() - started, 4)
            await asyncio.to_thread(memory.release)
            log.info("computed %s whole", self.root, extra={"scan_s": elapsed, "files": len(computed.changes)})
        else:
            view = dict(self.view)
            computed = await asyncio.to_thread(
                compute.compute_files, self.repo, self.key, self.state, paths, view, buffers
            )
        moved = self.state is None or (computed.state.head, computed.state.base, computed.state.branch) != (
            self.state.head,
            self.state.base,
            self.state.branch,
        )
        self.state = computed.state
        # Findings caused by this report arrive before its reply: they refer to these buffer versions.
        touched = set(versions) if computed.full else set(computed.changes)
        for path in touched:
            if path in versions:
                self.reported_versions[path] = versions[path]
            else:
                self.reported_versions.pop(path, None)
        if self.needs_snapshot or moved:
            await self._send_snapshot([c for c in computed.changes.values() if c is not None])
        else:
            changed, removed = compute.delta(self.view, computed)
            if changed or removed:
                await self._send_update(changed, removed)
        if self.status in ("starting", "offline", "paused", "error"):
            self.set_status("ready")
        self.host.workcopy_changed(self)

    # -- talking to the backend -------------------------------------------------------------------------------

    async def connect(self) -> None:
        """Resolve the repository, follow its project and send a full snapshot (after every reconnect)."""
        uplink = self.host.uplink
        if uplink is None or uplink.state != "online":
            self.set_status("offline", "waiting for the backend")
            return
        async with self._lock:
            self.state = await asyncio.to_thread(read_state, self.repo)
            if self.state.identity is None:
                self.set_status("no_remote", "this repository has no remote: add one (git remote add origin URL)")
                return
            project_id = await asyncio.to_thread(read_link, self.root)
            identity = self.state.identity
            # The normalised identity as a URL: user names and tokens in the configured URL never leave.
            fields: dict[str, Any] = {"remote_url": identity if identity.startswith("/") else f"https://{identity}"}
            if project_id:
                fields["project_id"] = project_id
            try:
                self.resolved = await uplink.request("repo.resolve", **fields)
            except RemoteError as err:
                self.resolved = {}
                self._unresolved(err)
                return
            self.key = str(self.resolved["hash_key"]).encode()
            await self.host.follow(str(self.resolved["project_id"]))
            if self.host.paused:
                # The backend may still hold it from before the pause, owned by the old connection: take it
                # over with an empty snapshot, then withdraw it.
                with contextlib.suppress(Offline, RemoteError):
                    await self._send_snapshot([])
                await self.withdraw()
                self.set_status("paused", "reporting is paused (tandem agent resume)")
                return
            self.needs_snapshot = True
            await self._guarded(self._report(set(), full=True))

    def _unresolved(self, err: RemoteError) -> None:
        url = self.state.identity if self.state else ""
        if err.code == "unknown_repository":
            self.set_status(
                "unknown_repository",
                f"{url} belongs to none of your projects: register it in its project "
                "(POST /api/projects/ID/repositories, or the dashboard), or link it with `tandem init --project ID`",
            )
        elif err.code == "ambiguous_repository":
            choices = ", ".join(f"{c.get('name')} ({c.get('project_id')})" for c in err.details or [])
            self.set_status(
                "ambiguous_repository",
                f"{url} is in several projects: {choices}; choose with `tandem init --project ID`",
            )
        else:
            self.set_status("error", f"the backend refused the repository: {err.message}")

    async def _send_snapshot(self, changes: list[FileChange]) -> None:
        uplink = self.host.uplink
        assert uplink is not None
        assert self.state is not None
        changes.sort(key=lambda c: c.path)
        parts = [compute.encode(c) for c in changes]
        first, *rest = compute.chunks(parts, uplink.max_message_bytes - FRAME_MARGIN)
        self.seq += 1
        self.needs_snapshot = True  # until the reply says the backend has it
        state = self.state
        reply = await uplink.request(
            "activity.snapshot",
            workcopy=self.id,
            seq=self.seq,
            state={
                "repository_id": self.resolved["repository_id"],
                "branch": state.branch or "",
                "head": state.head or "",
                "base": state.base or "",
            },
            files=[orjson.Fragment(p) for p in first],
            focus=msgspec.to_builtins(self.focus),
        )
        self._focus_sent = self.focus
        self.messages += 1
        for chunk in rest:
            self.seq += 1
            await uplink.request(
                "activity.update", workcopy=self.id, seq=self.seq, changed=[orjson.Fragment(p) for p in chunk]
            )
            self.messages += 1
        self.view = {c.path: c for c in changes}
        self.needs_snapshot = False
        self.host.snapshot_findings(self, list(reply.get("findings") or []))

    async def _send_update(self, changed: list[FileChange], removed: list[str]) -> None:
        uplink = self.host.uplink
        assert uplink is not None
        parts = [compute.encode(c) for c in changed]
        chunked = compute.chunks(parts, uplink.max_message_bytes - FRAME_MARGIN)
        for i, chunk in enumerate(chunked):
            last = i == len(chunked) - 1
            self.seq += 1
            await uplink.request(
                "activity.update",
                workcopy=self.id,
                seq=self.seq,
                changed=[orjson.Fragment(p) for p in chunk],
                removed=removed if last else [],
                focus=msgspec.to_builtins(self.focus) if last else None,
            )
            if last:
                self._focus_sent = self.focus
            self.messages += 1
        for path in removed:
            self.view.pop(path, None)
        self.view.update((c.path, c) for c in changed)

    # -- what the daemon shows ---------------------------------------------------------------------------------

    def set_status(self, status: WorkcopyStatus, message: str = "") -> None:
        if (status, message) != (self.status, self.message):
            self.status, self.message = status, message
            log.info("working copy %s: %s %s", self.root, status, message)
            self.host.workcopy_changed(self)

    def local_view(self, user_id: str) -> LocalView:
        renamed = {c.old_path: c.path for c in self.view.values() if c.status == "renamed" and c.old_path}
        return LocalView(self.id, user_id, self.root, renamed, dict(self.reported_versions))

    def info(self) -> WorkcopyInfo:
        state = self.state
        return WorkcopyInfo(
            root=str(self.root),
            workcopy=self.id,
            status=self.status,
            message=self.message,
            project_id=str(self.resolved.get("project_id", "")),
            project_name=str(self.resolved.get("project_name", "")),
            repository_id=str(self.resolved.get("repository_id", "")),
            url=str(self.resolved.get("url", "")),
            branch=(state.branch or "") if state else "",
            head=(state.head or "") if state else "",
            base=(state.base or "") if state else "",
            files=len(self.view),
            buffers=len(self.buffers),
        )


def _git_locations(repo: GitRepo) -> tuple[Path, str]:
    """The common git dir (refs live there for linked worktrees) and the global excludes' text."""
    return Path(repo.repo.common_dir).resolve(), _global_excludes(repo)


def _global_excludes(repo: GitRepo) -> str:
    """The user's global ignore file (core.excludesFile, else ``$XDG_CONFIG_HOME/git/ignore``)."""
    proc = repo.execute("config", "--path", "core.excludesFile")
    candidates = [proc.stdout.decode().strip()] if proc.returncode == 0 and proc.stdout.strip() else []
    candidates.append(str(Path.home() / ".config" / "git" / "ignore"))
    for candidate in candidates:
        with contextlib.suppress(OSError):
            return Path(candidate).expanduser().read_text("utf-8", errors="replace")
    return ""
