"""Turn git's diff entries, new files and unsaved buffers into wire ``FileChange``s with hashed hunks."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from agent.gitrepo import GitRepo
from agent.hunks import DiffEntry, RawHunk, added_file_hunk
from tandem.hunkhash import content_hash, hunk_hash
from tandem.protocol import FileChange, FileStatus, Hunk
from tandem.symbols import symbols_for_ranges

log = logging.getLogger(__name__)

BINARY_SNIFF_BYTES = 8000
"""git decides "binary" by looking for a NUL byte in this many leading bytes."""
HUNK_TEXT_CHARS = 65_536
"""Longer hunk texts are not shared (the wire limit of ``Hunk.text``)."""
SYMLINK_MODE = "120000"
_CHUNK = 1 << 20
_STATUS: dict[str, FileStatus] = {"M": "modified", "T": "modified", "U": "modified", "A": "added", "C": "added"}
_STATUS |= {"D": "deleted", "R": "renamed"}


@dataclass
class Converter:
    """Converts for one computation: the repository, the project's key (None: no hashes), the size limit,
    whether to name symbols and to attach hunk text (only for members who share diffs)."""

    repo: GitRepo
    key: bytes | None
    max_bytes: int
    symbols: bool = True
    hunk_text: bool = False
    _base_texts: dict[str, bytes] = field(default_factory=dict)

    def entries(self, entries: Sequence[DiffEntry]) -> list[FileChange]:
        """A ``FileChange`` for each diff entry; base blobs and sizes are fetched in one git call each."""
        sizes = self.repo.blob_sizes([e.old_sha for e in entries if e.binary and _real(e.old_sha)])
        if self.symbols:
            wanted = [e.old_sha for e in entries if _real(e.old_sha) and any(h.new_lines == 0 for h in e.hunks)]
            self._base_texts.update(self.repo.read_blobs(wanted))
        out: list[FileChange] = []
        for e in entries:
            if not valid_path(e.path) or (e.old_path is not None and not valid_path(e.old_path)):
                continue
            status = _STATUS.get(e.status, "modified")
            old_path = e.old_path if status == "renamed" else None
            if e.status in ("T", "U"):
                out.append(self.whole_file(e.path, status, old_path, self.repo.root / e.path, binary=False))
            elif e.binary:
                out.append(self._binary_entry(e, status, old_path, sizes.get(e.old_sha, 0)))
            else:
                new_text = self._new_text(e) if e.status != "D" else None
                hunks = self.hunks(e.path, e.hunks, new_text, self._base_texts.get(e.old_sha))
                out.append(FileChange(path=e.path, status=status, old_path=old_path, hunks=hunks))
        return out

    def added(self, path: str, content: bytes, source: Path | None = None, *, force_binary: bool = False) -> FileChange:
        """An untracked file (read from ``source``, of which ``content`` may be only the head) or a buffer
        with no base: one hunk over the whole content, or a whole-file change when binary or too large."""
        binary = is_binary(content) or (force_binary and len(content) <= self.max_bytes)
        if binary or len(content) > self.max_bytes:
            return self.whole_file(path, "added", None, source, binary=binary, content=content)
        hunk = added_file_hunk(content)
        return FileChange(path=path, status="added", hunks=self.hunks(path, [hunk] if hunk else [], content, None))

    def whole_file(
        self,
        path: str,
        status: FileStatus,
        old_path: str | None,
        source: Path | None,
        *,
        binary: bool,
        content: bytes | None = None,
    ) -> FileChange:
        """A change without hunks, with the keyed hash of its new content (streamed from ``source`` when
        given, else ``content``; a deleted file has the empty content)."""
        digest = ""
        if self.key is not None:
            chunks = _read_chunks(source) if source is not None and status != "deleted" else [content or b""]
            digest = content_hash(self.key, chunks, binary=binary)
        return FileChange(path=path, status=status, old_path=old_path, binary=binary, hunks=None, content_hash=digest)

    def hunks(
        self, path: str, raw: Iterable[RawHunk], new_text: bytes | None, base_text: bytes | None
    ) -> tuple[Hunk, ...]:
        """Wire hunks with their keyed hashes and touched symbols (new text for hunks that add lines, the
        base text for those that only delete), and their text when sharing diffs."""
        raw = list(raw)
        symbols: list[tuple[str, ...]] = [() for _ in raw]
        if self.symbols and raw:
            symbols = self._symbols(path, raw, new_text, base_text)
        return tuple(
            Hunk(
                base_start=h.base_start,
                base_lines=h.base_lines,
                new_start=h.new_start,
                new_lines=h.new_lines,
                hash=hunk_hash(self.key, h.added) if self.key is not None else "",
                symbols=names,
                text=_text(h) if self.hunk_text else None,
            )
            for h, names in zip(raw, symbols, strict=True)
        )

    def _symbols(
        self, path: str, raw: list[RawHunk], new_text: bytes | None, base_text: bytes | None
    ) -> list[tuple[str, ...]]:
        out: list[tuple[str, ...]] = [() for _ in raw]
        adding = [i for i, h in enumerate(raw) if h.new_lines > 0]
        deleting = [i for i, h in enumerate(raw) if h.new_lines == 0]
        for indices, text, ranges in (
            (adding, new_text, [(raw[i].new_start, raw[i].new_start + raw[i].new_lines - 1) for i in adding]),
            (deleting, base_text, [(raw[i].base_start, raw[i].base_start + raw[i].base_lines - 1) for i in deleting]),
        ):
            if indices and text is not None:
                found = symbols_for_ranges(text.decode("utf-8", "replace"), path, ranges)
                for i, names in zip(indices, found, strict=True):
                    out[i] = names
        return out

    def _new_text(self, e: DiffEntry) -> bytes | None:
        if not self.symbols or e.new_mode == SYMLINK_MODE or not any(h.new_lines for h in e.hunks):
            return None
        try:
            return (self.repo.root / e.path).read_bytes()
        except OSError:  # gone or replaced since git looked: no symbols, the next event recomputes
            return None

    def _binary_entry(self, e: DiffEntry, status: FileStatus, old_path: str | None, base_size: int) -> FileChange:
        """git said binary: either truly binary, or one side is over the size limit (core.bigFileThreshold)."""
        source = self.repo.root / e.path
        new_size = file_size(source) if e.status != "D" else 0
        binary = True
        if max(new_size, base_size) > self.max_bytes:
            head = read_head(source) if e.status != "D" else self.repo.blob_prefix(e.old_sha, BINARY_SNIFF_BYTES)
            binary = is_binary(head)
        return self.whole_file(e.path, status, old_path, source, binary=binary)


def is_binary(content: bytes) -> bool:
    return b"\0" in content[:BINARY_SNIFF_BYTES]


def valid_path(path: str) -> bool:
    """Paths travel as UTF-8: a name that is not valid UTF-8 is skipped (and logged)."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        log.warning("skipping a path that is not valid UTF-8: %r", path)
        return False
    return True


def file_size(path: Path) -> int:
    try:
        return os.lstat(path).st_size
    except OSError:
        return 0


def read_head(path: Path) -> bytes:
    try:
        if path.is_symlink():
            return os.fsencode(os.readlink(path))
        with path.open("rb") as f:
            return f.read(BINARY_SNIFF_BYTES)
    except OSError:
        return b""


def read_working_file(path: Path, max_bytes: int) -> bytes | None:
    """What git would hash for a working file: a symlink's target, a regular file's bytes (only the first
    ``max_bytes + 1`` when it is over the limit); None for anything else or when it vanished."""
    try:
        if path.is_symlink():
            return os.fsencode(os.readlink(path))
        if not path.is_file():
            return None
        with path.open("rb") as f:
            return f.read(max_bytes + 1)
    except OSError:
        return None


def _read_chunks(path: Path) -> Iterator[bytes]:
    try:
        if path.is_symlink():
            yield os.fsencode(os.readlink(path))
            return
        with path.open("rb") as f:
            while chunk := f.read(_CHUNK):
                yield chunk
    except OSError:  # vanished while reading: the watcher will report the next state
        return


def _text(hunk: RawHunk) -> str | None:
    text = b"".join(hunk.added).decode("utf-8", "replace")
    return text if len(text) <= HUNK_TEXT_CHARS else None


def _real(sha: str) -> bool:
    return bool(sha) and sha.strip("0") != ""
