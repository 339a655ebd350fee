"""Wire models shared by the agent, the language server and the backend: activity as it travels."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

PROTOCOL_VERSION = 1

FileStatus = Literal["modified", "added", "deleted", "renamed"]


class WireModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Hunk(WireModel):
    """One changed region, in git's unified-diff coordinates against the base commit.

    ``base_start``/``base_lines`` is the ``-a,b`` side of ``@@ -a,b +c,d @@`` and ``new_start``/``new_lines``
    the ``+c,d`` side, exactly as ``git diff -U0`` prints them: for a pure insertion (``base_lines == 0``)
    ``base_start`` is the base line after which the new lines go (0: before the first line); for a pure
    deletion (``new_lines == 0``) ``new_start`` is the new line after which the lines were removed.
    """

    base_start: int = Field(ge=0)
    base_lines: int = Field(ge=0)
    new_start: int = Field(ge=0)
    new_lines: int = Field(ge=0)
    hash: str = Field(default="", max_length=64)
    """Keyed hash (HMAC-SHA256, hex, first 32 chars) of the hunk's new text with the project's key."""
    symbols: tuple[str, ...] = ()
    """Names of the functions/classes/methods the hunk touches, innermost last (``Class.method``)."""


class FileChange(WireModel):
    path: str = Field(min_length=1, max_length=4096)
    """Path relative to the repository root, with ``/`` separators, in the working copy."""
    status: FileStatus
    old_path: str | None = Field(default=None, max_length=4096)
    """For renames: the path in the base commit."""
    binary: bool = False
    hunks: tuple[Hunk, ...] | None = ()
    """None when the change is whole-file (binary, too large): every line counts as changed."""


class Focus(WireModel):
    path: str = Field(max_length=4096)
    line: int = Field(ge=0)
