"""The engine's value types: participants, spans, hunks and file edits, in 0-based half-open line coordinates."""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple

import msgspec

WHOLE_FILE = 2**31 - 1
"""End of a span that means "every line of the file" (binary and too-large files, deletions of unknown size)."""


class Participant(NamedTuple):
    """One working copy of one person: two clones of the same user are two participants.

    A named tuple rather than a dataclass: it is hashed, compared and ordered on every update, and tuples
    do that in C.
    """

    user_id: str
    copy_id: str


class Value(msgspec.Struct, frozen=True, gc=False):
    """Base of the engine's immutable value types.

    msgspec structs rather than frozen dataclasses: they are built, compared and hashed in C, several on
    every update, and a frozen dataclass's generated ``__init__`` costs three times as much when the caches
    are cold, as they are between one keystroke and the next (docs/benchmarks.md). Immutable trees cannot
    form reference cycles, so the garbage collector need not track them (``gc=False``).
    """


class Span(Value, frozen=True, order=True):
    """Lines ``start`` (inclusive) to ``end`` (exclusive), 0-based; ``start == end`` is the point before ``start``."""

    start: int
    end: int

    @property
    def whole(self) -> bool:
        return self.end >= WHOLE_FILE


WHOLE = Span(0, WHOLE_FILE)
EMPTY = Span(0, 0)


class Hunk(Value, frozen=True):
    """One changed region: base lines ``[start, end)`` became new lines ``[new_start, new_end)``.

    This is git's ``-U0`` hunk moved to 0-based half-open coordinates: a pure insertion has ``start == end``
    (the lines go before base line ``start``), a pure deletion has ``new_start == new_end``.
    """

    start: int
    end: int
    new_start: int
    new_end: int
    hash: str = ""
    """Keyed hash of the new text; empty when unknown (then the hunk is never taken as identical to another)."""
    symbols: tuple[str, ...] = ()

    @property
    def new_lines(self) -> int:
        return self.new_end - self.new_start


class EditStatus(StrEnum):
    MODIFIED = "modified"
    ADDED = "added"
    DELETED = "deleted"
    RENAMED = "renamed"


class FileEdit(Value, frozen=True):
    """One file's change in a working copy against its base commit.

    ``hunks`` is ``None`` for a whole-file change (binary, too large): every line counts as changed, and two
    whole-file changes are the same only when both carry the same ``content_hash``. An added file is one
    insertion hunk ``Hunk(0, 0, 0, n, hash=<hash of the whole content>)`` (no hunk for an empty file).
    """

    path: str
    status: EditStatus
    hunks: tuple[Hunk, ...] | None
    old_path: str | None = None
    content_hash: str | None = None

    @property
    def key(self) -> str:
        """The path in the base commit: what the two sides of a merge are matched on (renames included)."""
        if self.status is EditStatus.RENAMED and self.old_path:
            return self.old_path
        return self.path
