"""Hub commands that carry a working copy's activity in, and a person's handling of findings."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import msgspec

from backend.activity.recorder import finding_detail
from backend.activity.service import finding_payload
from backend.conflicts.findings import Finding
from backend.conflicts.model import Participant
from backend.domain.roles import Action
from backend.errors import Invalid, NotFound
from backend.events import publish, user_channel
from backend.hub.commands import CommandRegistry, Result
from backend.hub.connection import Connection
from backend.store.models import FindingMute, User
from tandem.protocol import (
    ActivitySnapshot,
    ActivityUpdate,
    FileChange,
    FindingDismiss,
    FindingSnooze,
    Focus,
    MentionSend,
    ResolveRepository,
    WorkcopyClose,
)

PRESENCE_EVERY = 1.0
"""Activity refreshes presence at most this often per project, unless the branch or file changed."""


async def resolve(conn: Connection, msg: ResolveRepository) -> Result:
    """Which project a working copy's remote belongs to, and the key to hash its hunks with."""
    resolved = await conn.hub.services.repositories.resolve(conn.user_id, msg.remote_url, msg.project_id)
    conn.repositories[resolved.repository.id] = resolved.repository.project_id
    return {
        "repository_id": resolved.repository.id,
        "project_id": resolved.repository.project_id,
        "project_name": resolved.project_name,
        "url": resolved.repository.url,
        "default_branch": resolved.default_branch,
        "hash_key": resolved.hash_key,
    }


async def _project_of(conn: Connection, repository_id: str) -> str:
    """The repository's project, once checked that the caller is a member of it (cached per connection)."""
    project_id = conn.repositories.get(repository_id)
    if project_id is not None:
        return project_id
    services = conn.hub.services
    repo = await services.repositories.get(repository_id)
    if repo is None:
        raise NotFound("no such repository: resolve it with repo.resolve first", code="unknown_repository")
    await services.projects.require_member(conn.user_id, repo.project_id)
    conn.repositories[repository_id] = repo.project_id
    return repo.project_id


async def _presence(conn: Connection, project_id: str, branch: str, focus: Focus | None) -> None:
    now = time.monotonic()
    file = focus.path if focus is not None else None
    last = conn.presence_sent.get(project_id)
    if last is not None and now - last[0] < PRESENCE_EVERY and last[1] == branch and (file is None or last[2] == file):
        return
    conn.presence_sent[project_id] = (now, branch, file or (last[2] if last else ""))
    await conn.hub.presence.report(conn.user_id, (project_id,), active=True, branch=branch, file=file)


def _private(files: tuple[FileChange, ...]) -> tuple[FileChange, ...]:
    """The changes without any hunk text: what is kept for a member who does not share diffs."""
    out = []
    for f in files:
        if f.hunks and any(h.text is not None for h in f.hunks):
            f = msgspec.structs.replace(f, hunks=tuple(msgspec.structs.replace(h, text=None) for h in f.hunks))
        out.append(f)
    return tuple(out)


async def snapshot(conn: Connection, msg: ActivitySnapshot) -> Result:
    """Everything one working copy changed: replaces what was held for it."""
    project_id = await _project_of(conn, msg.state.repository_id)
    preferences = await conn.hub.services.accounts.profiles.preferences(conn.user_id)
    conn.share_diffs = preferences.privacy.share_diffs
    participant = Participant(conn.user_id, msg.workcopy)
    findings = await conn.hub.activity.snapshot(
        conn,
        participant,
        project_id=project_id,
        repository_id=msg.state.repository_id,
        branch=msg.state.branch,
        head=msg.state.head,
        base=msg.state.base,
        seq=msg.seq,
        files=msg.files if conn.share_diffs else _private(msg.files),
        focus=msg.focus,
    )
    conn.workcopies[msg.workcopy] = project_id
    if project_id not in conn.projects:
        # A reporting client follows its project: presence, membership changes, settings.
        await conn.hub.subscribe(conn, project_id)
    await _presence(conn, project_id, msg.state.branch, msg.focus)
    activity = conn.hub.activity
    return {
        "seq": msg.seq,
        "findings": [
            finding_payload(project_id, f, finding_detail(f, activity.branches(f), activity.shared_diffs(f)))
            for f in findings
        ],
    }


async def update(conn: Connection, msg: ActivityUpdate) -> Result:
    """Some files changed since the last message."""
    project_id = conn.workcopies.get(msg.workcopy)
    if project_id is None:
        raise Invalid("send activity.snapshot for this working copy first", code="resync_needed")
    participant = Participant(conn.user_id, msg.workcopy)
    changed = msg.changed if conn.share_diffs else _private(msg.changed)
    applied = await conn.hub.activity.update(
        conn, participant, seq=msg.seq, changed=changed, removed=msg.removed, focus=msg.focus
    )
    workcopy = conn.hub.activity.workcopies.get(participant)
    if workcopy is not None:
        await _presence(conn, project_id, workcopy.branch, msg.focus)
    return {"seq": msg.seq} if applied else {"seq": msg.seq, "stale": True}


async def close(conn: Connection, msg: WorkcopyClose) -> Result:
    if conn.workcopies.pop(msg.workcopy, None) is not None:
        await conn.hub.activity.close(Participant(conn.user_id, msg.workcopy), owner=conn)
    return None


def _finding(conn: Connection, finding_id: str) -> Finding:
    activity = conn.hub.activity
    for participant in list(activity.workcopies):
        if participant.user_id != conn.user_id:
            continue
        for finding in activity.engine.findings_for(participant):
            if finding.id == finding_id:
                return finding
    raise NotFound("no open finding with that id concerns you")


async def _mute(conn: Connection, finding_id: str, until: datetime | None) -> None:
    finding = _finding(conn, finding_id)
    async with conn.hub.services.projects.store.session() as session:
        mute = await session.get(FindingMute, (finding_id, conn.user_id))
        if mute is None:
            session.add(
                FindingMute(finding_id=finding_id, user_id=conn.user_id, severity=finding.severity.value, until=until)
            )
        else:
            mute.severity, mute.until = finding.severity.value, until
    await publish(
        conn.hub.bus,
        user_channel(conn.user_id),
        "finding.muted",
        finding_id=finding_id,
        severity=finding.severity.value,
        until=None if until is None else until.timestamp(),
    )


async def dismiss(conn: Connection, msg: FindingDismiss) -> Result:
    """Hide a finding from me until it becomes more severe."""
    await _mute(conn, msg.finding_id, None)
    return None


async def snooze(conn: Connection, msg: FindingSnooze) -> Result:
    """Hide a finding from me for a while."""
    until = datetime.fromtimestamp(time.time() + msg.minutes * 60, UTC)
    await _mute(conn, msg.finding_id, until)
    return {"until": until.isoformat()}


async def mention(conn: Connection, msg: MentionSend) -> Result:
    """Deliver a message to a teammate: both must be members of the project."""
    services = conn.hub.services
    async with services.projects.store.session() as session:
        await services.projects.authorize(session, msg.project_id, conn.user_id, Action.VIEW_PROJECT)
        try:
            await services.projects.authorize(session, msg.project_id, msg.user_id, Action.VIEW_PROJECT)
        except NotFound as err:
            raise NotFound("that person is not a member of this project") from err
        sender = await session.get(User, conn.user_id)
    await publish(
        conn.hub.bus,
        user_channel(msg.user_id),
        "mention",
        from_user_id=conn.user_id,
        from_name=sender.name if sender is not None else "",
        project_id=msg.project_id,
        finding_id=msg.finding_id,
        text=msg.text,
        at=time.time(),
    )
    return None


def register(commands: CommandRegistry) -> None:
    commands.register(ResolveRepository, resolve)
    commands.register(ActivitySnapshot, snapshot)
    commands.register(ActivityUpdate, update)
    commands.register(WorkcopyClose, close)
    commands.register(FindingDismiss, dismiss)
    commands.register(FindingSnooze, snooze)
    commands.register(MentionSend, mention)
