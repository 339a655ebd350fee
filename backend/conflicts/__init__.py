"""Cross-user conflict analysis: pure code that compares working copies' hunks the way ``git merge`` would."""

from backend.conflicts.compare import compare, compare_hunks
from backend.conflicts.convert import edit_from_wire, hunk_from_wire, hunks_from_wire
from backend.conflicts.engine import ConflictEngine
from backend.conflicts.findings import (
    ChangeKind,
    Finding,
    FindingChange,
    Region,
    ResolveReason,
    Severity,
    Side,
    Verdict,
    finding_id,
)
from backend.conflicts.linemap import BaseMaps, LineMap, StaticBaseMaps
from backend.conflicts.model import WHOLE, WHOLE_FILE, EditStatus, FileEdit, Hunk, Participant, Span

__all__ = [
    "WHOLE",
    "WHOLE_FILE",
    "BaseMaps",
    "ChangeKind",
    "ConflictEngine",
    "EditStatus",
    "FileEdit",
    "Finding",
    "FindingChange",
    "Hunk",
    "LineMap",
    "Participant",
    "Region",
    "ResolveReason",
    "Severity",
    "Side",
    "Span",
    "StaticBaseMaps",
    "Verdict",
    "compare",
    "compare_hunks",
    "edit_from_wire",
    "finding_id",
    "hunk_from_wire",
    "hunks_from_wire",
]
