"""The documents open in the editor: their file, version, and the edits made since the agent last saw them."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from lsprotocol import types
from pygls.uris import to_fs_path

MAX_LOG = 5000
"""Edits kept per document; an agent this far behind is not followed any more (its next report catches up)."""


def file_of(uri: str) -> str | None:
    """The real path (symlinks resolved, as the agent names files) of a ``file:`` URI; None for other schemes."""
    if urlsplit(uri).scheme != "file":
        return None
    path = to_fs_path(uri)
    return os.path.realpath(path) if path else None


@dataclass
class Document:
    uri: str
    file: str
    version: int
    opened_at: int
    """The version the editor opened; findings about the file on disk (no version) are in its coordinates."""
    log: list[tuple[int, types.TextDocumentContentChangeEvent]] = field(default_factory=list)
    tracked: bool = True
    """False once the agent said the file is in no working copy: it is not sent again."""
    focus_line: int | None = None
    """0-based line of the last edit."""

    def record(self, version: int, changes: Sequence[types.TextDocumentContentChangeEvent]) -> None:
        self.version = version
        self.log.extend((version, change) for change in changes)
        if changes:
            self.focus_line = _last_line(changes[-1], self.focus_line)
        if len(self.log) > MAX_LOG:
            del self.log[: len(self.log) - MAX_LOG]

    def changes_since(self, version: int | None) -> list[types.TextDocumentContentChangeEvent]:
        """The edits the editor made after ``version`` (None: the text the editor opened)."""
        since = self.opened_at if version is None else version
        return [change for v, change in self.log if v > since]

    def forget_until(self, version: int | None) -> None:
        """The agent has seen ``version``: older edits will not be asked for again."""
        since = self.opened_at if version is None else version
        self.log = [(v, change) for v, change in self.log if v > since]


def _last_line(change: types.TextDocumentContentChangeEvent, previous: int | None) -> int | None:
    if isinstance(change, types.TextDocumentContentChangePartial):
        return change.range.start.line + change.text.count("\n")
    return previous


class Documents:
    """Open documents by URI, and the URIs of each file."""

    def __init__(self) -> None:
        self.by_uri: dict[str, Document] = {}
        self.last_edited: str | None = None
        """The file edited (or opened) last: its project is the one presence describes."""

    def open(self, uri: str, file: str, version: int) -> Document:
        doc = Document(uri=uri, file=file, version=version, opened_at=version)
        self.by_uri[uri] = doc
        self.last_edited = file
        return doc

    def close(self, uri: str) -> Document | None:
        return self.by_uri.pop(uri, None)

    def get(self, uri: str) -> Document | None:
        return self.by_uri.get(uri)

    def for_file(self, file: str) -> list[Document]:
        return [d for d in self.by_uri.values() if d.file == file]

    def files(self) -> set[str]:
        return {d.file for d in self.by_uri.values()}

    def __iter__(self) -> Iterator[Document]:
        return iter(list(self.by_uri.values()))
