"""From the wire models (git's 1-based ``-U0`` hunks) to the engine's 0-based half-open value types."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from backend.conflicts.model import EditStatus, FileEdit, Hunk
from backend.errors import Invalid
from tandem import protocol

_STATUS = {status.value: status for status in EditStatus}


def hunk_from_wire(hunk: protocol.Hunk) -> Hunk:
    """``@@ -a,b +c,d @@`` to base ``[a-1, a-1+b)``; an empty side's number is already the 0-based point."""
    start = hunk.base_start - 1 if hunk.base_lines else hunk.base_start
    new_start = hunk.new_start - 1 if hunk.new_lines else hunk.new_start
    return Hunk(start, start + hunk.base_lines, new_start, new_start + hunk.new_lines, hunk.hash, hunk.symbols)


def hunks_from_wire(hunks: Sequence[protocol.Hunk]) -> tuple[Hunk, ...]:
    """Sorted by base line; raises ``Invalid`` when two hunks share a base line (no diff produces that)."""
    if len(hunks) == 1:  # most updates: one edit
        return (hunk_from_wire(hunks[0]),)
    converted = sorted((hunk_from_wire(h) for h in hunks), key=lambda h: (h.start, h.end))
    for before, after in pairwise(converted):
        if after.start < before.end or (after.start == before.start == before.end == after.end):
            raise Invalid(
                "hunks overlap in the base file",
                details={"first": [before.start + 1, before.end - before.start], "second": [after.start + 1]},
            )
    return tuple(converted)


def edit_from_wire(change: protocol.FileChange, *, content_hash: str | None = None) -> FileEdit:
    """A reported file change as the engine sees it; binary files are whole-file changes.

    ``content_hash`` identifies a whole-file change's content (the wire model has no field for it yet):
    without it, two whole-file changes of one file always conflict.
    """
    hunks = None if change.binary or change.hunks is None else hunks_from_wire(change.hunks)
    return FileEdit(
        path=change.path,
        status=_STATUS[change.status],
        hunks=hunks,
        old_path=change.old_path,
        content_hash=content_hash,
    )
