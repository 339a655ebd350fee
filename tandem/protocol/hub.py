"""The WebSocket hub protocol (``GET /api/ws``): commands, their envelope, close codes."""

from __future__ import annotations

from enum import IntEnum
from typing import Annotated, Literal

import msgspec

from tandem.protocol.activity import FileChange, Focus, Int64, WireStruct

# -- WebSocket hub (``GET /api/ws``) ----------------------------------------------------------------------
# Every client frame is one JSON object ``{"id", "type", ...}``; the server answers each with
# ``{"id", "ok": true, "result": {...}}`` or ``{"id", "ok": false, "error": {"code", "message", "details"}}``
# and pushes events ``{"type", ...}`` without an id. docs/protocol.md specifies every message.
# Commands are msgspec structs tagged by ``type``: the hub decodes one for every report an agent sends.

MessageId = Int64 | str
WorkcopyId = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")]
ProjectId = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
PresenceActivity = Literal["active", "idle", "away"]
Seq = Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)]
Id64 = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
MANY = 20_000
"""Most files (or paths) one report may carry."""


class Command(WireStruct, frozen=True, tag_field="type"):
    id: MessageId


class Hello(Command, frozen=True, tag="hello"):
    """First message on every connection: the protocol version, and a ticket for browsers."""

    protocol: int
    client: Annotated[str, msgspec.Meta(max_length=100)] = ""
    ticket: Annotated[str, msgspec.Meta(max_length=2048)] | None = None


class Ping(Command, frozen=True, tag="ping"):
    pass


class Subscribe(Command, frozen=True, tag="subscribe"):
    """Receive a project's presence, findings and events (membership is checked)."""

    project_id: ProjectId


class Unsubscribe(Command, frozen=True, tag="unsubscribe"):
    project_id: ProjectId


class ResolveRepository(Command, frozen=True, tag="repo.resolve"):
    """Which of my projects does this remote URL belong to? Gives the key for hunk hashes."""

    remote_url: Annotated[str, msgspec.Meta(min_length=1, max_length=2048)]
    project_id: ProjectId | None = None
    """Pick one when the URL is registered in several of the caller's projects (``.tandem.toml``)."""


class WorkcopyState(WireStruct, frozen=True):
    repository_id: Id64
    branch: Annotated[str, msgspec.Meta(max_length=255)] = ""
    head: Annotated[str, msgspec.Meta(max_length=64)] = ""
    base: Annotated[str, msgspec.Meta(max_length=64)] = ""
    """Merge-base of HEAD and the default branch; empty when unknown (no common history)."""


class ActivitySnapshot(Command, frozen=True, tag="activity.snapshot"):
    """Everything a working copy has changed against its base; replaces what the backend held for it."""

    workcopy: WorkcopyId
    seq: Seq
    state: WorkcopyState
    files: Annotated[tuple[FileChange, ...], msgspec.Meta(max_length=MANY)] = ()
    focus: Focus | None = None


class ActivityUpdate(Command, frozen=True, tag="activity.update"):
    """Files that changed since the last message; idempotent per file. Stale ``seq`` values are ignored."""

    workcopy: WorkcopyId
    seq: Seq
    changed: Annotated[tuple[FileChange, ...], msgspec.Meta(max_length=MANY)] = ()
    removed: Annotated[tuple[str, ...], msgspec.Meta(max_length=MANY)] = ()
    """Paths that no longer differ from the base."""
    focus: Focus | None = None


class WorkcopyClose(Command, frozen=True, tag="workcopy.close"):
    """The working copy is no longer watched: its activity is withdrawn."""

    workcopy: WorkcopyId


class PresenceSet(Command, frozen=True, tag="presence.set"):
    activity: PresenceActivity


class FindingDismiss(Command, frozen=True, tag="finding.dismiss"):
    finding_id: Id64


class FindingSnooze(Command, frozen=True, tag="finding.snooze"):
    finding_id: Id64
    minutes: Annotated[int, msgspec.Meta(ge=1, le=7 * 24 * 60)] = 60


class MentionSend(Command, frozen=True, tag="mention.send"):
    """Send a teammate a short message, e.g. about a finding you share ("message the teammate")."""

    user_id: Id64
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
    project_id: ProjectId
    finding_id: Annotated[str, msgspec.Meta(max_length=64)] | None = None


AnyCommand = (
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
    | MentionSend
)


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
