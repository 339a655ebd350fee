"""Activity as it travels from an agent to the backend: hunks in base coordinates, file changes, focus."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

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
