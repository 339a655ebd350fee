"""The agent's state as the language server last heard it: connection, working copies, presence, findings. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from tandem.protocol import (
    AgentInfo,
    ConnectionInfo,
    ConnectionNotification,
    FindingsNotification,
    LocalFinding,
    LspConnection,
    MentionNotification,
    PresenceInfo,
    PresenceNotification,
    StatusResult,
    WorkcopyInfo,
    WorkcopyNotification,
)


@dataclass(frozen=True, slots=True)
class Changed:
    """What an agent notification changed, so the server republishes only that."""

    files: frozenset[str] = frozenset()
    presence: bool = False
    mention: MentionNotification | None = None


@dataclass
class AgentState:
    agent: AgentInfo | None = None
    """None while no agent answers."""
    connection: ConnectionInfo | None = None
    workcopies: dict[str, WorkcopyInfo] = field(default_factory=dict)
    presence: dict[str, tuple[PresenceInfo, ...]] = field(default_factory=dict)
    findings: dict[str, tuple[LocalFinding, ...]] = field(default_factory=dict)

    # -- input ------------------------------------------------------------------------------------------------

    def load(self, status: StatusResult) -> Changed:
        """A full status (after connecting): replaces everything; returns every file that had or has findings."""
        before = set(self.findings)
        self.agent, self.connection = status.agent, status.connection
        self.workcopies = {w.root: w for w in status.workcopies}
        grouped: dict[str, list[PresenceInfo]] = {}
        for entry in status.presence:
            grouped.setdefault(entry.project_id, []).append(entry)
        self.presence = {project: tuple(entries) for project, entries in grouped.items()}
        by_file: dict[str, list[LocalFinding]] = {}
        for finding in status.findings:
            by_file.setdefault(finding.file, []).append(finding)
        self.findings = {file: tuple(found) for file, found in by_file.items()}
        return Changed(files=frozenset(before | set(self.findings)), presence=True)

    def lost(self) -> Changed:
        """The agent went away: nothing it said holds any more."""
        files = frozenset(self.findings)
        self.agent, self.connection = None, None
        self.workcopies, self.presence, self.findings = {}, {}, {}
        return Changed(files=files, presence=True)

    def apply(self, event: Mapping[str, Any]) -> Changed:
        """One notification from the agent's socket; unknown or unreadable ones change nothing."""
        try:
            return self._apply(event)
        except ValidationError:
            return Changed()

    def _apply(self, event: Mapping[str, Any]) -> Changed:
        kind = event.get("type")
        if kind == "findings":
            note = FindingsNotification.model_validate(event)
            if note.findings:
                self.findings[note.file] = note.findings
            else:
                self.findings.pop(note.file, None)
            return Changed(files=frozenset({note.file}), presence=True)
        if kind == "presence":
            presence = PresenceNotification.model_validate(event)
            self.presence[presence.project_id] = presence.presence
            return Changed(presence=True)
        if kind == "connection":
            self.connection = ConnectionNotification.model_validate(event).connection
            return Changed(presence=True)
        if kind == "workcopy":
            info = WorkcopyNotification.model_validate(event).workcopy
            self.workcopies[info.root] = info
            return Changed(presence=True)
        if kind == "mention":
            return Changed(mention=MentionNotification.model_validate(event))
        return Changed()

    # -- queries ------------------------------------------------------------------------------------------------

    def findings_for(self, file: str) -> tuple[LocalFinding, ...]:
        return self.findings.get(file, ())

    def workcopy_for(self, file: str | None) -> WorkcopyInfo | None:
        """The innermost working copy containing ``file``; without a file, the first one in a project."""
        if file is not None:
            path = Path(file)
            found = [w for root, w in self.workcopies.items() if path.is_relative_to(root)]
            if found:
                return max(found, key=lambda w: len(w.root))
        return next((w for w in self.workcopies.values() if w.project_id), None)

    def project_findings(self, project_id: str) -> Iterable[LocalFinding]:
        for found in self.findings.values():
            yield from (f for f in found if f.project_id == project_id)

    @property
    def connection_state(self) -> LspConnection:
        if self.agent is None or self.connection is None:
            return "no_agent"
        if self.connection.paused:
            return "paused"
        return self.connection.state

    @property
    def server(self) -> str:
        return self.connection.server if self.connection is not None else ""
