"""What the engine reports: severities, paired regions, findings with stable ids, and their lifecycle events."""

from __future__ import annotations

import hashlib
from enum import StrEnum

from backend.conflicts.model import Participant, Span, Value


class Severity(StrEnum):
    NEARBY = "nearby"
    """Same file, different regions, no shared symbol: awareness."""
    OVERLAP = "overlap"
    """Same function, method or class, different lines: a likely semantic clash."""
    CONFLICT = "conflict"
    """``git merge`` would stop with a conflict here."""

    @property
    def rank(self) -> int:
        return _RANKS[self]


_RANKS = {Severity.NEARBY: 1, Severity.OVERLAP: 2, Severity.CONFLICT: 3}


class Side(Value, frozen=True, order=True):
    """One participant's part of a region: lines in their base commit and in their working copy."""

    base: Span
    new: Span


class Region(Value, frozen=True):
    """Where two participants' changes meet; ``a`` and ``b`` follow the finding's participants."""

    severity: Severity
    a: Side
    b: Side
    symbols: tuple[str, ...] = ()


class Verdict(Value, frozen=True):
    """The outcome of comparing two sides' edits of one file (before it becomes a finding)."""

    severity: Severity
    regions: tuple[Region, ...]
    symbols: tuple[str, ...] = ()


class Finding(Value, frozen=True):
    """Two participants changing one file of one repository; ``a`` sorts before ``b``."""

    id: str
    repo: str
    path: str
    """The file's path in the base commit."""
    a: Participant
    b: Participant
    severity: Severity
    regions: tuple[Region, ...]
    symbols: tuple[str, ...]
    approximate: bool
    """The sides have different base commits and no line map between them: lines were compared as if equal."""
    opened_at: float
    updated_at: float

    def own_sides(self, participant: Participant) -> tuple[Side, ...]:
        """The participant's own part of every region, to highlight in their editor."""
        if participant == self.a:
            return tuple(region.a for region in self.regions)
        if participant == self.b:
            return tuple(region.b for region in self.regions)
        raise ValueError(f"{participant} is not part of finding {self.id}")

    def other(self, participant: Participant) -> Participant:
        return self.b if participant == self.a else self.a

    def same_as(self, verdict: Verdict, approximate: bool) -> bool:
        return (
            self.severity is verdict.severity
            and self.regions == verdict.regions
            and self.symbols == verdict.symbols
            and self.approximate == approximate
        )


class ChangeKind(StrEnum):
    OPENED = "opened"
    UPDATED = "updated"
    RESOLVED = "resolved"


class ResolveReason(StrEnum):
    CLEARED = "cleared"
    """Both sides still touch the file, but nothing is left to report (their remaining changes are identical)."""
    WITHDRAWN = "withdrawn"
    """A side's change to the file went away (reverted, committed and pushed elsewhere, file no longer changed)."""
    LANDED = "landed"
    """A side's work was merged."""
    LEFT = "left"
    """A participant left (disconnected for good, removed from the project)."""


class FindingChange(Value, frozen=True):
    """One lifecycle event, to push to both participants and to keep as history."""

    kind: ChangeKind
    finding: Finding
    reason: ResolveReason | None = None


def finding_id(repo: str, path: str, first: Participant, second: Participant) -> str:
    """Stable across processes and restarts, the same for either order of the two participants."""
    a, b = sorted((first, second))
    text = "\0".join((repo, path, a.user_id, a.copy_id, b.user_id, b.copy_id))
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
