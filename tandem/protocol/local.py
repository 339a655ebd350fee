"""The agent's local socket protocol, spoken by the language server and the CLI."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from tandem.protocol.activity import WireModel

# == Local socket (agent <-> language server / CLI) ========================================================
# Newline-delimited JSON over the agent's Unix socket, in the hub's envelope: a command
# ``{"id", "type", ...}`` gets one reply ``{"id", "ok": true, "result"}`` or ``{"id", "ok": false, "error"}``;
# notifications ``{"type", ...}`` (no id) go to clients that sent ``subscribe``. docs/protocol.md specifies
# them; file paths on this socket are absolute, lines 1-based.

LOCAL_PROTOCOL_VERSION = 1
ConnectionState = Literal["signed_out", "connecting", "online", "offline", "unauthorized", "incompatible"]
WorkcopyStatus = Literal[
    "starting", "ready", "offline", "paused", "no_remote", "unknown_repository", "ambiguous_repository", "error"
]
LocalPath = Annotated[str, StringConstraints(min_length=1, max_length=4096)]
ProjectId = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class LocalCommand(WireModel):
    id: Annotated[int, Field(ge=-(2**63), le=2**63 - 1)] | str


class LocalHello(LocalCommand):
    """First command of a local client: the local protocol version."""

    type: Literal["hello"]
    protocol: int
    client: str = Field(default="", max_length=100)


class WorkcopyAdd(LocalCommand):
    """Watch the working copy that contains ``path`` (any file or folder inside it)."""

    type: Literal["workcopy.add"]
    path: LocalPath


class WorkcopyRemove(LocalCommand):
    type: Literal["workcopy.remove"]
    path: LocalPath


class BufferOpen(LocalCommand):
    """An editor buffer whose unsaved text replaces the file on disk until ``buffer.close``."""

    type: Literal["buffer.open"]
    path: LocalPath
    text: str
    version: int = 0


class BufferChange(LocalCommand):
    type: Literal["buffer.change"]
    path: LocalPath
    text: str
    version: int = 0


class BufferClose(LocalCommand):
    type: Literal["buffer.close"]
    path: LocalPath


class LocalFocus(LocalCommand):
    """Where the user is typing (1-based line); forwarded to the backend, debounced."""

    type: Literal["focus"]
    path: LocalPath
    line: int = Field(ge=0)


class LocalStatus(LocalCommand):
    """The connection, the working copies (or the one containing ``path``), teammates and findings."""

    type: Literal["status"]
    path: LocalPath | None = None


class LocalFindings(LocalCommand):
    """The open findings for one file."""

    type: Literal["findings"]
    path: LocalPath


class LocalSubscribe(LocalCommand):
    """Receive ``findings``, ``presence`` and ``connection`` notifications on this connection."""

    type: Literal["subscribe"]


class LocalPause(LocalCommand):
    """Offline mode: withdraw every working copy, show the user away, send nothing until ``resume``."""

    type: Literal["pause"]


class LocalResume(LocalCommand):
    type: Literal["resume"]


class LocalReconnect(LocalCommand):
    """Re-read the saved credentials and reconnect (``tandem login`` sends it)."""

    type: Literal["reconnect"]


class LocalStop(LocalCommand):
    type: Literal["stop"]


class LocalMention(LocalCommand):
    """Send a teammate a short message through the hub's ``mention.send`` (the editor's "message the teammate")."""

    type: Literal["mention"]
    user_id: str = Field(min_length=1, max_length=64)
    project_id: ProjectId
    text: str = Field(min_length=1, max_length=2000)
    finding_id: str | None = Field(default=None, max_length=64)


class LocalDismiss(LocalCommand):
    """Hide a finding from this user until it becomes more severe (the hub's ``finding.dismiss``)."""

    type: Literal["finding.dismiss"]
    finding_id: str = Field(min_length=1, max_length=64)


class LocalSnooze(LocalCommand):
    """Hide a finding from this user for ``minutes`` (the hub's ``finding.snooze``)."""

    type: Literal["finding.snooze"]
    finding_id: str = Field(min_length=1, max_length=64)
    minutes: int = Field(default=60, ge=1, le=7 * 24 * 60)


class LocalMembers(LocalCommand):
    """A project's members with their display names (``GET /api/projects/ID/members``): ``MembersResult``."""

    type: Literal["members"]
    project_id: ProjectId


AnyLocalCommand = Annotated[
    LocalHello
    | WorkcopyAdd
    | WorkcopyRemove
    | BufferOpen
    | BufferChange
    | BufferClose
    | LocalFocus
    | LocalStatus
    | LocalFindings
    | LocalSubscribe
    | LocalPause
    | LocalResume
    | LocalReconnect
    | LocalStop
    | LocalMention
    | LocalDismiss
    | LocalSnooze
    | LocalMembers,
    Field(discriminator="type"),
]


class LineSpan(WireModel):
    """Lines ``start`` .. ``start + lines - 1`` (1-based); ``lines == 0`` is the point just after ``start - 1``."""

    start: int = Field(ge=0)
    lines: int = Field(ge=0)


class SideSpans(WireModel):
    base: LineSpan
    """In the side's base commit."""
    new: LineSpan
    """In the side's working copy: for the local side, the text last reported (the buffer when one is open)."""


class LocalRegion(WireModel):
    severity: str
    mine: SideSpans
    theirs: SideSpans
    symbols: tuple[str, ...] = ()


class SharedHunk(WireModel):
    """One hunk of a teammate who shares diffs: where it sits in their base and working copy, and its new text."""

    base: LineSpan
    new: LineSpan
    text: str = ""


class Teammate(WireModel):
    user_id: str
    workcopy: str
    branch: str = ""
    diff: tuple[SharedHunk, ...] = ()
    """Their hunks that meet the finding, when they opted in to share diffs (the finding's ``diff``)."""


class LocalFinding(WireModel):
    """A finding seen from this working copy: ``mine`` is the local side, in local coordinates."""

    id: str
    project_id: str
    repository_id: str
    severity: str
    file: str
    """Absolute path of the local file (after a local rename: the new name)."""
    path: str
    """The file's path relative to the working copy's root."""
    base_path: str
    """The file's path in the base commit, as the backend names it."""
    approximate: bool = False
    other: Teammate
    regions: tuple[LocalRegion, ...] = ()
    symbols: tuple[str, ...] = ()
    version: int | None = None
    """The buffer version the local coordinates refer to; None: the file on disk."""
    updated_at: float = 0.0


class PresenceInfo(WireModel):
    project_id: str
    user_id: str
    state: str
    branch: str = ""
    file: str = ""
    last_active: float = 0.0


class ConnectionInfo(WireModel):
    state: ConnectionState
    server: str = ""
    user_id: str = ""
    email: str = ""
    message: str = ""
    paused: bool = False


class WorkcopyInfo(WireModel):
    root: str
    workcopy: str
    status: WorkcopyStatus
    message: str = ""
    project_id: str = ""
    project_name: str = ""
    repository_id: str = ""
    url: str = ""
    branch: str = ""
    head: str = ""
    base: str = ""
    files: int = 0
    """How many changed files the backend holds for it."""
    buffers: int = 0


class AgentInfo(WireModel):
    pid: int
    protocol: int = LOCAL_PROTOCOL_VERSION
    version: str = ""


class StatusResult(WireModel):
    agent: AgentInfo
    connection: ConnectionInfo
    workcopies: tuple[WorkcopyInfo, ...] = ()
    presence: tuple[PresenceInfo, ...] = ()
    """Teammates in the projects of the listed working copies (the local user left out)."""
    findings: tuple[LocalFinding, ...] = ()
    """Open findings of the listed working copies."""


class FindingsNotification(WireModel):
    """The complete list of open findings for one file; an empty list clears it."""

    type: Literal["findings"] = "findings"
    file: str
    findings: tuple[LocalFinding, ...] = ()


class PresenceNotification(WireModel):
    type: Literal["presence"] = "presence"
    project_id: str
    presence: tuple[PresenceInfo, ...] = ()


class ConnectionNotification(WireModel):
    type: Literal["connection"] = "connection"
    connection: ConnectionInfo


class MemberInfo(WireModel):
    user_id: str
    name: str = ""
    email: str = ""


class MembersResult(WireModel):
    project_id: str
    items: tuple[MemberInfo, ...] = ()


class MentionNotification(WireModel):
    """A teammate sent this user a message (the hub's ``mention`` event)."""

    type: Literal["mention"] = "mention"
    from_user_id: str
    from_name: str = ""
    project_id: str = ""
    finding_id: str | None = None
    text: str = ""
    at: float = 0.0


class WorkcopyNotification(WireModel):
    """A working copy's status or counts changed."""

    type: Literal["workcopy"] = "workcopy"
    workcopy: WorkcopyInfo
