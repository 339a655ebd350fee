"""Custom messages between an editor and ``tandem lsp``: settings, presence, status, focus."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tandem.protocol.activity import WireModel
from tandem.protocol.local import WorkcopyInfo

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
