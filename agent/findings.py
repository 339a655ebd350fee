"""Open findings and teammates' presence as the backend last told them, and findings seen from one working copy.

Pure bookkeeping, no I/O: the daemon feeds it the ``finding`` and ``presence`` events and snapshot replies.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tandem.protocol import LineSpan, LocalFinding, LocalRegion, PresenceInfo, SharedHunk, SideSpans, Teammate


@dataclass(frozen=True, slots=True)
class LocalView:
    """What a working copy needs to translate a finding: its id, root, and renames (base path -> path)."""

    workcopy: str
    user_id: str
    root: Path
    renamed: Mapping[str, str] = field(default_factory=dict)
    versions: Mapping[str, int] = field(default_factory=dict)
    """Buffer versions last reported, by path."""


def _span(raw: Any) -> LineSpan:
    start, lines = (int(raw[0]), int(raw[1])) if isinstance(raw, list | tuple) and len(raw) == 2 else (0, 0)
    return LineSpan(start=max(start, 0), lines=max(lines, 0))


def _side(raw: Mapping[str, Any]) -> SideSpans:
    return SideSpans(base=_span(raw.get("base")), new=_span(raw.get("new")))


def _diff(raw: Any) -> tuple[SharedHunk, ...]:
    hunks = raw if isinstance(raw, list) else []
    return tuple(
        SharedHunk(base=_span(h.get("base")), new=_span(h.get("new")), text=str(h.get("text") or ""))
        for h in hunks
        if isinstance(h, dict)
    )


def local_finding(finding: Mapping[str, Any], view: LocalView) -> LocalFinding | None:
    """The finding as this working copy shows it (its own side is ``mine``), or None if it is not part of it."""
    a, b = finding.get("a") or {}, finding.get("b") or {}
    if a.get("workcopy") == view.workcopy and a.get("user_id") == view.user_id:
        mine_key, theirs = "a", b
    elif b.get("workcopy") == view.workcopy and b.get("user_id") == view.user_id:
        mine_key, theirs = "b", a
    else:
        return None
    other_key = "b" if mine_key == "a" else "a"
    base_path = str(finding.get("path", ""))
    path = view.renamed.get(base_path, base_path)
    regions = tuple(
        LocalRegion(
            severity=str(r.get("severity", "")),
            mine=_side(r.get(mine_key) or {}),
            theirs=_side(r.get(other_key) or {}),
            symbols=tuple(r.get("symbols") or ()),
        )
        for r in finding.get("regions") or ()
    )
    return LocalFinding(
        id=str(finding.get("id", "")),
        project_id=str(finding.get("project_id", "")),
        repository_id=str(finding.get("repository_id", "")),
        severity=str(finding.get("severity", "")),
        file=str(view.root / path),
        path=path,
        base_path=base_path,
        approximate=bool(finding.get("approximate", False)),
        other=Teammate(
            user_id=str(theirs.get("user_id", "")),
            workcopy=str(theirs.get("workcopy", "")),
            branch=str(theirs.get("branch", "")),
            diff=_diff(theirs.get("diff")),
        ),
        regions=regions,
        symbols=tuple(finding.get("symbols") or ()),
        version=view.versions.get(path),
        updated_at=float(finding.get("updated_at") or 0.0),
    )


class FindingBook:
    """The open findings concerning this user's working copies, by id, and presence per project."""

    def __init__(self) -> None:
        self.findings: dict[str, dict[str, Any]] = {}
        self.presence: dict[str, dict[str, PresenceInfo]] = {}

    # -- findings -----------------------------------------------------------------------------------------

    def apply_event(self, event: Mapping[str, Any]) -> dict[str, Any] | None:
        """Apply a ``finding`` event; returns the finding it concerned (also when it resolved)."""
        finding = event.get("finding")
        if not isinstance(finding, dict) or "id" not in finding:
            return None
        if event.get("change") == "resolved":
            self.findings.pop(str(finding["id"]), None)
        else:
            self.findings[str(finding["id"])] = finding
        return finding

    def replace_for(self, workcopy: str, findings: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        """A snapshot reply lists every open finding of a working copy: forget the others it was part of.
        Returns the findings that went away or came in (to notify about)."""
        incoming = {str(f["id"]): f for f in findings if "id" in f}
        gone = [f for fid, f in self.findings.items() if fid not in incoming and workcopy in _workcopies(f)]
        for f in gone:
            self.findings.pop(str(f["id"]), None)
        self.findings.update(incoming)
        return gone + list(incoming.values())

    def drop_workcopy(self, workcopy: str) -> list[dict[str, Any]]:
        gone = [f for f in self.findings.values() if workcopy in _workcopies(f)]
        for f in gone:
            self.findings.pop(str(f["id"]), None)
        return gone

    def for_view(self, view: LocalView, path: str | None = None) -> list[LocalFinding]:
        """Findings of a working copy (of one of its files when ``path`` is given), most severe first."""
        out = []
        for raw in self.findings.values():
            local = local_finding(raw, view)
            if local is not None and (path is None or local.path == path):
                out.append(local)
        rank = {"conflict": 0, "overlap": 1, "nearby": 2}
        return sorted(out, key=lambda f: (rank.get(f.severity, 3), f.path, f.id))

    # -- presence -----------------------------------------------------------------------------------------

    def set_presence(self, project_id: str, entries: Iterable[Mapping[str, Any]]) -> None:
        self.presence[project_id] = {}
        for entry in entries:
            self.update_presence({**entry, "project_id": project_id})

    def update_presence(self, event: Mapping[str, Any]) -> str | None:
        """Apply a ``presence`` event; returns its project."""
        project_id, user_id = event.get("project_id"), event.get("user_id")
        if not isinstance(project_id, str) or not isinstance(user_id, str):
            return None
        self.presence.setdefault(project_id, {})[user_id] = PresenceInfo(
            project_id=project_id,
            user_id=user_id,
            state=str(event.get("state", "")),
            branch=str(event.get("branch") or ""),
            file=str(event.get("file") or ""),
            last_active=float(event.get("last_active") or 0.0),
        )
        return project_id

    def teammates(self, project_id: str, me: str) -> list[PresenceInfo]:
        return sorted(
            (p for p in self.presence.get(project_id, {}).values() if p.user_id != me), key=lambda p: p.user_id
        )


def _workcopies(finding: Mapping[str, Any]) -> set[str]:
    return {str((finding.get(side) or {}).get("workcopy", "")) for side in ("a", "b")}
