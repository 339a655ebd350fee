"""Activity use cases: take reports from working copies, replicate them, run the engine, deliver findings."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson
from redis.exceptions import RedisError

from backend.activity import workcopies as wire
from backend.activity.recorder import Recorder, finding_detail, prune_activity
from backend.activity.states import WorkcopyStates
from backend.activity.workcopies import Workcopy
from backend.conflicts.engine import ConflictEngine
from backend.conflicts.findings import ChangeKind, Finding, FindingChange
from backend.conflicts.model import FileEdit, Participant
from backend.errors import Invalid, Unavailable
from backend.ports import EventBus, Subscription
from tandem.protocol import FileChange, Focus

_LOG = logging.getLogger(__name__)
ACTIVITY_CHANNEL = "tandem:activity"
PRUNE_EVERY = 3600.0
Deliver = Callable[[str, bytes], None]
"""Send encoded bytes to every local connection of a user (sending never waits)."""


def finding_payload(project_id: str, finding: Finding, detail: dict[str, Any]) -> dict[str, Any]:
    """A finding as clients see it, around its :func:`~backend.activity.recorder.finding_detail`."""
    return {
        "id": finding.id,
        "project_id": project_id,
        "repository_id": finding.repo,
        "path": finding.path,
        "severity": finding.severity.value,
        "approximate": finding.approximate,
        "opened_at": finding.opened_at,
        "updated_at": finding.updated_at,
        **detail,
    }


@dataclass(slots=True)
class Mutes:
    """A person's dismissed and snoozed findings: hidden unless the finding becomes more severe."""

    by_finding: dict[str, tuple[int, float | None]] = field(default_factory=dict)

    def hides(self, finding: Finding, now: float) -> bool:
        mute = self.by_finding.get(finding.id)
        if mute is None:
            return False
        rank, until = mute
        return finding.severity.rank <= rank and (until is None or until > now)


class ActivityService:
    """One per process. Every process holds every working copy's state (replicated over the bus), so a
    finding is computed where each of its two people is connected, with no extra hop."""

    def __init__(
        self,
        *,
        bus: EventBus,
        states: WorkcopyStates,
        recorder: Recorder,
        deliver: Deliver,
        here: Callable[[str], bool],
        process_id: str,
        replicate: bool,
        grace: float,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.bus = bus
        self.states = states
        self.recorder = recorder
        self.deliver = deliver
        self.here = here
        """Whether a user has a connection on this process: nothing is built for a finding nobody here sees."""
        self.process_id = process_id
        self.replicate = replicate
        self.grace = grace
        self.clock = clock
        self.engine = ConflictEngine(clock=clock)
        self.workcopies: dict[Participant, Workcopy] = {}
        self.owners: dict[Participant, object] = {}
        """Participants reported through this process: the connection (any object) that owns each."""
        self.mutes: dict[str, Mutes] = {}
        self._dirty: set[Participant] = set()
        self._projects_by_repo: dict[str, str] = {}
        """Remembered so a finding resolved after both sides left still names its project."""
        self._subscription: Subscription | None = None
        self._saving_fails = False
        self._publishing_fails = False
        self._own_prefix = wire.origin_prefix(process_id)

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> list[Coroutine[Any, Any, None]]:
        """Load what other processes hold, follow their reports; returns the background loops to run."""
        if not self.replicate:
            return [self.recorder.run(), self._prune()]
        self._subscription = await self.bus.subscribe(ACTIVITY_CHANNEL)
        try:
            for workcopy in await self.states.load_all():
                self._adopt(workcopy)
        except Exception:  # noqa: BLE001 - start without them: every client resends a snapshot on reconnect
            _LOG.warning("could not load working-copy states; they come back as clients resync", exc_info=True)
        # Reports that arrived while the states loaded were queued; they apply now, after the states, then
        # each one as the bus reads it: a teammate's update reaches the engine in the same turn of the loop.
        # The bus logs a report that fails to apply and goes on with the next.
        self._subscription.listen(lambda _channel, data: self.replay(data))
        return [self.recorder.run(), self._prune(), self._persist_states()]

    async def _prune(self) -> None:
        """Apply each project's activity retention now and then every hour (idempotent in every process)."""
        while True:
            try:
                removed = await prune_activity(self.recorder.store)
            except Exception:  # noqa: BLE001 - retried at the next round; the hub must not stop for it
                _LOG.warning("activity retention failed", exc_info=True)
            else:
                if removed:
                    _LOG.info("removed %d activity rows past retention", removed)
            await asyncio.sleep(PRUNE_EVERY)

    async def stop(self) -> None:
        if self._subscription is not None:
            await self._subscription.close()
        await self._save_dirty()
        await self.recorder.flush()

    def _adopt(self, workcopy: Workcopy, edits: list[FileEdit] | None = None) -> list[FindingChange]:
        """Take a full report as the working copy's state; one that moved to another repository leaves the old.

        ``edits`` are its files as the engine sees them, when the caller converted them already.
        """
        previous = self.workcopies.get(workcopy.participant)
        changes: list[FindingChange] = []
        if previous is not None and previous.repository_id != workcopy.repository_id:
            changes += self.engine.remove_participant(workcopy.participant)
        self.workcopies[workcopy.participant] = workcopy
        return changes + self.engine.apply_snapshot(
            workcopy.participant,
            workcopy.repository_id,
            base=workcopy.base,
            branch=workcopy.branch,
            files=workcopy.edits() if edits is None else edits,
        )

    # -- reports from this process's clients ----------------------------------------------------

    async def snapshot(
        self,
        owner: object,
        participant: Participant,
        *,
        project_id: str,
        repository_id: str,
        branch: str,
        head: str,
        base: str,
        seq: int,
        files: tuple[FileChange, ...],
        focus: Focus | None,
    ) -> list[Finding]:
        workcopy = Workcopy(
            participant=participant,
            project_id=project_id,
            repository_id=repository_id,
            branch=branch,
            head=head,
            base=base,
            seq=seq,
            origin=self.process_id,
            files={f.path: f for f in files},
            focus=focus,
        )
        edits = workcopy.edits()  # refuses bad hunks (Invalid) before anything is kept or replicated
        if self.replicate:  # encoded only when another process will read it; replicated first, as updates are
            await self._publish(wire.encode_snapshot(workcopy))
        self.owners[participant] = owner
        changes = self._adopt(workcopy, edits)
        self._dirty.add(participant)
        self._record(workcopy, files)
        self._emit(changes, persist=True)
        return self.engine.findings_for(participant)

    async def update(
        self,
        owner: object,
        participant: Participant,
        *,
        seq: int,
        changed: tuple[FileChange, ...],
        removed: tuple[str, ...],
        focus: Focus | None,
    ) -> bool:
        """Apply an update; False when it is stale (``seq`` not above the last one) and was ignored."""
        workcopy = self.workcopies.get(participant)
        if workcopy is None or self.owners.get(participant) is not owner:
            raise Invalid("send activity.snapshot for this working copy first", code="resync_needed")
        if seq <= workcopy.seq:
            return False
        edits = workcopy.edits(changed)  # refuses bad hunks (Invalid) before anything is kept or replicated
        if self.replicate:
            # Replicated before it is applied here, so the other processes compare while this one does:
            # a teammate connected elsewhere hears of it without waiting for this process's engine.
            await self._publish(wire.encode_update(self.process_id, participant, seq, changed, removed, focus))
            if self.workcopies.get(participant) is not workcopy:
                return True  # withdrawn meanwhile (membership ended): the other processes withdraw it too
        changes = self._apply_update(workcopy, seq, changed, removed, focus, edits)
        self._emit(changes, persist=True)  # people first, bookkeeping after
        self._dirty.add(participant)
        self._record(workcopy, changed)
        return True

    async def close(self, participant: Participant, *, owner: object | None = None) -> None:
        """Withdraw a working copy (the agent stopped watching it, or its grace period ran out)."""
        if participant not in self.workcopies:
            return
        if owner is not None and self.owners.get(participant) is not owner:
            return
        changes = self._withdraw(participant)
        self.owners.pop(participant, None)
        self._dirty.discard(participant)
        if self.replicate:
            await self._publish(wire.encode_close(self.process_id, participant))
        await self.states.drop(participant)
        self._emit(changes, persist=True)

    async def disconnected(self, owner: object, participants: Iterable[Participant]) -> None:
        """The owning connection went away: keep its working copies for the grace period, then withdraw."""
        mine = [p for p in participants if self.owners.get(p) is owner]
        if not mine:
            return
        await asyncio.sleep(self.grace)
        for participant in mine:
            await self.close(participant, owner=owner)

    def _apply_update(
        self,
        workcopy: Workcopy,
        seq: int,
        changed: tuple[FileChange, ...],
        removed: tuple[str, ...],
        focus: Focus | None,
        edits: list[FileEdit],
    ) -> list[FindingChange]:
        """Take the update into the working copy's state and the engine; ``edits`` are ``changed`` converted."""
        workcopy.seq = seq
        for path in removed:
            workcopy.files.pop(path, None)
        for change in changed:
            workcopy.files[change.path] = change
        if focus is not None:
            workcopy.focus = focus
        return self.engine.apply_delta(
            workcopy.participant,
            workcopy.repository_id,
            base=workcopy.base,
            changed=edits,
            removed=removed,
        )

    def _withdraw(self, participant: Participant) -> list[FindingChange]:
        self.workcopies.pop(participant, None)
        return self.engine.remove_participant(participant)

    def _record(self, workcopy: Workcopy, files: Iterable[FileChange]) -> None:
        now = self.clock()
        for change in files:
            key = (workcopy.project_id, workcopy.repository_id, workcopy.participant.user_id, workcopy.branch)
            self.recorder.saw((*key, change.path), now)

    # -- replication ----------------------------------------------------------------------------

    async def _publish(self, data: bytes) -> None:
        """Tell the other processes; callers check ``replicate`` first, so nothing is encoded for no reader.

        Raises ``Unavailable`` when the bus cannot take it: the client's report is refused as a whole (nothing
        of it is kept here either) and its agent sends a full snapshot later.
        """
        try:
            await self.bus.publish(ACTIVITY_CHANNEL, data)
        except (RedisError, OSError) as err:
            if not self._publishing_fails:
                _LOG.warning("could not replicate a working copy's report; refusing reports until it works: %s", err)
            self._publishing_fails = True
            raise Unavailable("the other backend processes cannot be told right now; send it again") from err
        if self._publishing_fails:
            _LOG.warning("working copies' reports are replicated again")
            self._publishing_fails = False

    def replay(self, data: bytes) -> None:
        """Apply another process's report to this process's copy of the state."""
        if data.startswith(self._own_prefix):
            return  # this process's own message, back from the bus
        message = wire.decode(data)  # typed in one pass: hunks, focus and all
        if isinstance(message, wire.Snapshot):
            workcopy = Workcopy.from_state(message.state)
            if workcopy.origin == self.process_id:
                return
            self.owners.pop(workcopy.participant, None)  # a client moved to another process
            self._emit(self._adopt(workcopy), persist=False)
            return
        if message.origin == self.process_id:
            return
        participant = Participant(message.user_id, message.workcopy)
        if isinstance(message, wire.Close):
            self._emit(self._withdraw(participant), persist=False)
            return
        existing = self.workcopies.get(participant)
        if existing is None or message.seq <= existing.seq:
            return
        edits = existing.edits(message.changed)
        changes = self._apply_update(existing, message.seq, message.changed, message.removed, message.focus, edits)
        self._emit(changes, persist=False)

    async def _persist_states(self) -> None:
        """Write changed states every 100 ms; refresh owned ones so they do not expire while alive."""
        refresh_every = 20.0
        last_refresh = self.clock()
        while True:
            await asyncio.sleep(0.1)
            if self.clock() - last_refresh > refresh_every:
                self._dirty.update(self.owners)
                last_refresh = self.clock()
                await self._forget_orphans()
            await self._save_dirty()

    async def _save_dirty(self) -> None:
        dirty, self._dirty = self._dirty, set()
        owned = [
            workcopy
            for participant in dirty
            if participant in self.owners and (workcopy := self.workcopies.get(participant)) is not None
        ]
        try:
            await self.states.save(owned)
        except (RedisError, OSError):
            # Redis away: keep them dirty and try again at the next round; the loop must not die of it.
            self._dirty |= dirty
            if not self._saving_fails:
                _LOG.warning("could not save working-copy states; retrying every round", exc_info=True)
            self._saving_fails = True
        else:
            if self._saving_fails:
                _LOG.warning("working-copy states are saved again")
            self._saving_fails = False

    async def _forget_orphans(self) -> None:
        """Working copies whose owning process died and whose clients never came back expire."""
        others = [p for p in self.workcopies if p not in self.owners]
        for participant, alive in zip(others, await self.states.alive(others), strict=True):
            if not alive:
                self._emit(self._withdraw(participant), persist=True)

    # -- findings out ---------------------------------------------------------------------------

    def branches(self, finding: Finding) -> dict[Participant, str]:
        out = {}
        for p in (finding.a, finding.b):
            workcopy = self.workcopies.get(p)
            out[p] = workcopy.branch if workcopy is not None else ""
        return out

    def shared_diffs(self, finding: Finding) -> dict[Participant, list[dict[str, Any]]]:
        """The hunks, with text, that each side shared for the finding's regions (none unless opted in)."""
        out: dict[Participant, list[dict[str, Any]]] = {}
        for participant, spans in (
            (finding.a, [r.a.base for r in finding.regions]),
            (finding.b, [r.b.base for r in finding.regions]),
        ):
            workcopy = self.workcopies.get(participant)
            if workcopy is None:
                continue
            for change in _changes_to(workcopy, finding.path):
                if not change.hunks:
                    continue
                for h in change.hunks:
                    start, end = (
                        h.base_start - (1 if h.base_lines else 0),
                        h.base_start - (1 if h.base_lines else 0) + h.base_lines,
                    )
                    if h.text is not None and any(s.start <= end and start <= s.end for s in spans):
                        out.setdefault(participant, []).append(
                            {"base": [h.base_start, h.base_lines], "new": [h.new_start, h.new_lines], "text": h.text}
                        )
        return out

    def project_of(self, finding: Finding) -> str:
        for p in (finding.a, finding.b):
            workcopy = self.workcopies.get(p)
            if workcopy is not None:
                return workcopy.project_id
        return ""

    def _emit(self, changes: list[FindingChange], *, persist: bool) -> None:
        now = self.clock()
        for change in changes:
            finding = change.finding
            project_id = self._project_for(change)
            receivers = [
                user_id
                for user_id in {finding.a.user_id, finding.b.user_id}
                if self.here(user_id) and ((mutes := self.mutes.get(user_id)) is None or not mutes.hides(finding, now))
            ]
            stored = bool(persist and project_id)
            if not stored and change.kind is ChangeKind.RESOLVED:
                self.recorder.forget(finding.id)
            if not receivers and not stored:
                continue  # another process's report about people connected elsewhere: nothing to build
            branches = self.branches(finding)
            detail = finding_detail(finding, branches)  # what is stored: never the shared text
            if receivers:
                diffs = self.shared_diffs(finding)
                shown = finding_detail(finding, branches, diffs) if diffs else detail
                data = orjson.dumps(
                    {
                        "type": "finding",
                        "change": change.kind.value,
                        "reason": change.reason.value if change.reason else None,
                        "finding": finding_payload(project_id, finding, shown),
                    }
                )
                for user_id in receivers:
                    self.deliver(user_id, data)
            if stored:
                self.recorder.finding(project_id, change, detail)

    def _project_for(self, change: FindingChange) -> str:
        project_id = self.project_of(change.finding)
        if project_id:
            self._projects_by_repo[change.finding.repo] = project_id
            return project_id
        return self._projects_by_repo.get(change.finding.repo, "")


def _changes_to(workcopy: Workcopy, base_path: str) -> list[FileChange]:
    """The working copy's changes to a base file: usually found under the same path, else as a rename."""
    same = workcopy.files.get(base_path)
    if same is not None and (same.old_path or same.path) == base_path:
        return [same]
    return [c for c in workcopy.files.values() if (c.old_path or c.path) == base_path]
