"""Activity as it travels from an agent to the backend: hunks in base coordinates, file changes, focus."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from pydantic import BaseModel, ConfigDict

PROTOCOL_VERSION = 1

FileStatus = Literal["modified", "added", "deleted", "renamed"]
# Bounded so that every number a client sends can be stored and written back as JSON (orjson stops at 64 bits).
LineNumber = Annotated[int, msgspec.Meta(ge=0, le=2**31 - 1)]
"""A line number or count: no file has 2^31 lines."""
Int64 = Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)]
Path = Annotated[str, msgspec.Meta(min_length=1, max_length=4096)]


class WireModel(BaseModel):
    """The local and editor protocols' messages (pydantic: the agent's own, few and cold)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class WireStruct(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True, omit_defaults=True):
    """The hub protocol's messages (msgspec: decoded for every keystroke a team types; see docs/benchmarks.md).

    Encoded without the fields that hold their defaults; decoding puts the defaults back.
    """


class Hunk(WireStruct, frozen=True):
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
    hash: Annotated[str, msgspec.Meta(max_length=64)] = ""
    """Keyed hash (HMAC-SHA256, hex, first 32 chars) of the hunk's new text with the project's key."""
    symbols: tuple[str, ...] = ()
    """Names of the functions/classes/methods the hunk touches, innermost last (``Class.method``)."""
    text: Annotated[str, msgspec.Meta(max_length=65_536)] | None = None
    """The hunk's new text: sent only for repositories whose member opted in to share diffs, and dropped by
    the backend unless the member's ``privacy.share_diffs`` preference is on. Never sent by default."""


class FileChange(WireStruct, frozen=True):
    path: Path
    """Path relative to the repository root, with ``/`` separators, in the working copy."""
    status: FileStatus
    old_path: Annotated[str, msgspec.Meta(max_length=4096)] | None = None
    """For renames: the path in the base commit."""
    binary: bool = False
    hunks: tuple[Hunk, ...] | None = ()
    """None when the change is whole-file (binary, too large): every line counts as changed."""
    content_hash: Annotated[str, msgspec.Meta(max_length=64)] = ""
    """For whole-file changes: keyed hash of the new content, so two identical files are not a conflict."""


class Focus(WireStruct, frozen=True):
    path: Annotated[str, msgspec.Meta(max_length=4096)]
    line: LineNumber
