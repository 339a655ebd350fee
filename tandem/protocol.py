"""Wire models shared by the agent, the language server and the backend: activity as it travels."""

from __future__ import annotations

from enum import IntEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

PROTOCOL_VERSION = 1

FileStatus = Literal["modified", "added", "deleted", "renamed"]
# Bounded so that every number a client sends can be stored and written back as JSON (orjson stops at 64 bits).
LineNumber = Annotated[int, Field(ge=0, le=2**31 - 1)]
"""A line number or count: no file has 2^31 lines."""
Int64 = Annotated[int, Field(ge=-(2**63), le=2**63 - 1)]


class WireModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Hunk(WireModel):
    """One changed region, in git's unified-diff coordinates against the base commit.

    ``base_start``/``base_lines`` is the ``-a,b`` side of ``@@ -a,b +c,d @@`` and ``new_start``/``new_lines``
    the ``+c,d`` side, exactly as ``git diff -U0`` prints them: for a pure insertion (``base_lines == 0``)
    ``base_start`` is the base line after which the new lines go (0: before the first line); for a pure
    deletion (``new_lines == 0``) ``new_start`` is the new line after which the lines were removed.
    """

    base_start: LineNumber
    base_lines: LineNumber
    new_start: LineNumber
    new_lines: LineNumber
    hash: str = Field(default="", max_length=64)
    """Keyed hash (HMAC-SHA256, hex, first 32 chars) of the hunk's new text with the project's key."""
    symbols: tuple[str, ...] = ()
    """Names of the functions/classes/methods the hunk touches, innermost last (``Class.method``)."""
    text: str | None = Field(default=None, max_length=65_536)
    """The hunk's new text: sent only for repositories whose member opted in to share diffs, and dropped by
    the backend unless the member's ``privacy.share_diffs`` preference is on. Never sent by default."""


class FileChange(WireModel):
    path: str = Field(min_length=1, max_length=4096)
    """Path relative to the repository root, with ``/`` separators, in the working copy."""
    status: FileStatus
    old_path: str | None = Field(default=None, max_length=4096)
    """For renames: the path in the base commit."""
    binary: bool = False
    hunks: tuple[Hunk, ...] | None = ()
    """None when the change is whole-file (binary, too large): every line counts as changed."""
    content_hash: str = Field(default="", max_length=64)
    """For whole-file changes: keyed hash of the new content, so two identical files are not a conflict."""


class Focus(WireModel):
    path: str = Field(max_length=4096)
    line: LineNumber


# -- WebSocket hub (``GET /api/ws``) ----------------------------------------------------------------------
# Every client frame is one JSON object ``{"id", "type", ...}``; the server answers each with
# ``{"id", "ok": true, "result": {...}}`` or ``{"id", "ok": false, "error": {"code", "message", "details"}}``
# and pushes events ``{"type", ...}`` without an id. docs/protocol.md specifies every message.

MessageId = Int64 | str
WorkcopyId = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")]
ProjectId = Annotated[str, StringConstraints(min_length=1, max_length=64)]
PresenceActivity = Literal["active", "idle", "away"]


class Command(WireModel):
    id: MessageId


class Hello(Command):
    """First message on every connection: the protocol version, and a ticket for browsers."""

    type: Literal["hello"]
    protocol: int
    client: str = Field(default="", max_length=100)
    ticket: str | None = Field(default=None, max_length=2048)


class Ping(Command):
    type: Literal["ping"]


class Subscribe(Command):
    """Receive a project's presence, findings and events (membership is checked)."""

    type: Literal["subscribe"]
    project_id: ProjectId


class Unsubscribe(Command):
    type: Literal["unsubscribe"]
    project_id: ProjectId


class ResolveRepository(Command):
    """Which of my projects does this remote URL belong to? Gives the key for hunk hashes."""

    type: Literal["repo.resolve"]
    remote_url: str = Field(min_length=1, max_length=2048)
    project_id: ProjectId | None = None
    """Pick one when the URL is registered in several of the caller's projects (``.tandem.toml``)."""


class WorkcopyState(WireModel):
    repository_id: str = Field(min_length=1, max_length=64)
    branch: str = Field(default="", max_length=255)
    head: str = Field(default="", max_length=64)
    base: str = Field(default="", max_length=64)
    """Merge-base of HEAD and the default branch; empty when unknown (no common history)."""


class ActivitySnapshot(Command):
    """Everything a working copy has changed against its base; replaces what the backend held for it."""

    type: Literal["activity.snapshot"]
    workcopy: WorkcopyId
    seq: int = Field(ge=0, le=2**63 - 1)
    state: WorkcopyState
    files: tuple[FileChange, ...] = Field(default=(), max_length=20_000)
    focus: Focus | None = None


class ActivityUpdate(Command):
    """Files that changed since the last message; idempotent per file. Stale ``seq`` values are ignored."""

    type: Literal["activity.update"]
    workcopy: WorkcopyId
    seq: int = Field(ge=0, le=2**63 - 1)
    changed: tuple[FileChange, ...] = Field(default=(), max_length=20_000)
    removed: tuple[str, ...] = Field(default=(), max_length=20_000)
    """Paths that no longer differ from the base."""
    focus: Focus | None = None


class WorkcopyClose(Command):
    """The working copy is no longer watched: its activity is withdrawn."""

    type: Literal["workcopy.close"]
    workcopy: WorkcopyId


class PresenceSet(Command):
    type: Literal["presence.set"]
    activity: PresenceActivity


class FindingDismiss(Command):
    type: Literal["finding.dismiss"]
    finding_id: str = Field(min_length=1, max_length=64)


class FindingSnooze(Command):
    type: Literal["finding.snooze"]
    finding_id: str = Field(min_length=1, max_length=64)
    minutes: int = Field(default=60, ge=1, le=7 * 24 * 60)


class MentionSend(Command):
    """Send a teammate a short message, e.g. about a finding you share ("message the teammate")."""

    type: Literal["mention.send"]
    user_id: str = Field(min_length=1, max_length=64)
    text: str = Field(min_length=1, max_length=2000)
    project_id: ProjectId
    finding_id: str | None = Field(default=None, max_length=64)


AnyCommand = Annotated[
    Hello
    | Ping
    | Subscribe
    | Unsubscribe
    | ResolveRepository
    | ActivitySnapshot
    | ActivityUpdate
    | WorkcopyClose
    | PresenceSet
    | FindingDismiss
    | FindingSnooze
    | MentionSend,
    Field(discriminator="type"),
]


class CloseCode(IntEnum):
    """WebSocket close codes the hub uses (4000-4999 are the application's own)."""

    GOING_AWAY = 1001
    """The server is shutting down; reconnect (to another process) after a short back-off."""
    MESSAGE_TOO_BIG = 1009
    """A frame was over the hard limit; smaller oversized messages get an error reply instead."""
    UNAUTHENTICATED = 4001
    """No valid ``hello`` (with a ticket for browsers) within the time limit, or the token was revoked."""
    FORBIDDEN_ORIGIN = 4003
    """A browser connection from an origin that is not on the allow list."""
    RATE_LIMITED = 4008
    """Flooding: more messages than the limit, for too long."""
    RESYNC = 4009
    """The client did not keep up with what was sent to it; reconnect and send a full snapshot."""
    UNSUPPORTED_PROTOCOL = 4010
    """The client speaks a protocol version this server does not."""


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


class LocalHello(Command):
    """First command of a local client: the local protocol version."""

    type: Literal["hello"]
    protocol: int
    client: str = Field(default="", max_length=100)


class WorkcopyAdd(Command):
    """Watch the working copy that contains ``path`` (any file or folder inside it)."""

    type: Literal["workcopy.add"]
    path: LocalPath


class WorkcopyRemove(Command):
    type: Literal["workcopy.remove"]
    path: LocalPath


class BufferOpen(Command):
    """An editor buffer whose unsaved text replaces the file on disk until ``buffer.close``."""

    type: Literal["buffer.open"]
    path: LocalPath
    text: str
    version: int = 0


class BufferChange(Command):
    type: Literal["buffer.change"]
    path: LocalPath
    text: str
    version: int = 0


class BufferClose(Command):
    type: Literal["buffer.close"]
    path: LocalPath


class LocalFocus(Command):
    """Where the user is typing (1-based line); forwarded to the backend, debounced."""

    type: Literal["focus"]
    path: LocalPath
    line: int = Field(ge=0)


class LocalStatus(Command):
    """The connection, the working copies (or the one containing ``path``), teammates and findings."""

    type: Literal["status"]
    path: LocalPath | None = None


class LocalFindings(Command):
    """The open findings for one file."""

    type: Literal["findings"]
    path: LocalPath


class LocalSubscribe(Command):
    """Receive ``findings``, ``presence`` and ``connection`` notifications on this connection."""

    type: Literal["subscribe"]


class LocalPause(Command):
    """Offline mode: withdraw every working copy, show the user away, send nothing until ``resume``."""

    type: Literal["pause"]


class LocalResume(Command):
    type: Literal["resume"]


class LocalReconnect(Command):
    """Re-read the saved credentials and reconnect (``tandem login`` sends it)."""

    type: Literal["reconnect"]


class LocalStop(Command):
    type: Literal["stop"]


class LocalMention(Command):
    """Send a teammate a short message through the hub's ``mention.send`` (the editor's "message the teammate")."""

    type: Literal["mention"]
    user_id: str = Field(min_length=1, max_length=64)
    project_id: ProjectId
    text: str = Field(min_length=1, max_length=2000)
    finding_id: str | None = Field(default=None, max_length=64)


class LocalDismiss(Command):
    """Hide a finding from this user until it becomes more severe (the hub's ``finding.dismiss``)."""

    type: Literal["finding.dismiss"]
    finding_id: str = Field(min_length=1, max_length=64)


class LocalSnooze(Command):
    """Hide a finding from this user for ``minutes`` (the hub's ``finding.snooze``)."""

    type: Literal["finding.snooze"]
    finding_id: str = Field(min_length=1, max_length=64)
    minutes: int = Field(default=60, ge=1, le=7 * 24 * 60)


class LocalMembers(Command):
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


# == Language server custom messages (editor <-> ``tandem lsp``) ============================================
# What an editor extension exchanges with the language server besides standard LSP: the settings it passes
# as ``initializationOptions`` (or ``settings.tandem`` in ``workspace/didChangeConfiguration``), the
# ``tandem/presence`` notification (server -> client), the ``tandem/status`` request (client -> server) and
# the optional ``tandem/focus`` notification (client -> server). docs/lsp.md and docs/protocol.md specify them.

LspSeverity = Literal["error", "warning", "information", "hint", "off"]
"""How a finding's severity is shown: an LSP ``DiagnosticSeverity``, or not at all."""


class LspSeverities(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    conflict: LspSeverity = "warning"
    overlap: LspSeverity = "information"
    nearby: LspSeverity = "off"


class LspSettings(BaseModel):
    """The language server's settings; unknown keys are ignored so older servers accept newer extensions."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    severity: LspSeverities = LspSeverities()
    agent_auto_start: bool = Field(default=True, alias="agentAutoStart")
    """Start the user's agent (``tandem agent``) when none answers on its socket."""
    debounce_ms: int = Field(default=50, ge=0, le=5000, alias="debounceMs")
    """Edits are forwarded to the agent this long after the last keystroke."""
    status_progress: bool = Field(default=True, alias="statusProgress")
    """Editors without a Tandem extension: show presence changes as a brief work-done progress."""
    notify_conflicts: bool = Field(default=True, alias="notifyConflicts")
    """Editors without a Tandem extension: a ``window/showMessage`` when a new conflict appears in an open file."""


LspConnection = Literal[
    "signed_out", "connecting", "online", "offline", "unauthorized", "incompatible", "paused", "no_agent"
]
"""The agent's connection to the backend as the editor shows it; ``paused`` when reporting is paused,
``no_agent`` when no agent answers (and none may be started)."""


class LspProject(WireModel):
    id: str
    name: str = ""


class LspTeammate(WireModel):
    user_id: str
    name: str
    """Display name; the email or the user id when the backend gave none."""
    state: str
    branch: str = ""
    file: str = ""


class LspFindingCounts(WireModel):
    conflict: int = 0
    overlap: int = 0
    nearby: int = 0


class PresenceParams(WireModel):
    """``tandem/presence``: sent after ``initialized`` and whenever it changes (debounced)."""

    connection: LspConnection
    project: LspProject | None = None
    """The project of the file edited last (else of the first working copy)."""
    teammates: tuple[LspTeammate, ...] = ()
    online: int = 0
    """Teammates not offline."""
    findings: LspFindingCounts = LspFindingCounts()
    """Open findings of the project's working copies, by severity."""
    open: int = 0
    """How many of those concern files open in this editor."""
    summary: str = ""
    """The text a status bar shows, e.g. ``3 online · 1 conflict``."""
    message: str = ""
    """Why the connection is not online, in one sentence (empty when online)."""


class LspAgent(WireModel):
    socket: str
    pid: int | None = None


class StatusResponse(PresenceParams):
    """``tandem/status`` result: the presence fields plus the working copies and the agent."""

    workcopies: tuple[WorkcopyInfo, ...] = ()
    agent: LspAgent


class FocusParams(WireModel):
    """``tandem/focus`` (optional, client -> server): the cursor moved to ``line`` (0-based, as in LSP)."""

    uri: str
    line: int = Field(ge=0)
