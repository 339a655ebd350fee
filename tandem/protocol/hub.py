"""The WebSocket hub protocol (``GET /api/ws``): commands, their envelope, close codes."""

from __future__ import annotations

from enum import IntEnum
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from tandem.protocol.activity import FileChange, Focus, Int64, WireModel

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
