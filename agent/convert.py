"""Turn git's diff entries, new files and unsaved buffers into wire ``FileChange``s with hashed hunks."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from agent.gitrepo import GitRepo
from agent.hunks import DiffEntry, RawHunk, added_file_hunk
from tandem.hunkhash import hunk_hash
from tandem.protocol import FileChange, FileStatus, Hunk
from tandem.symbols import symbols_for_ranges

log = logging.getLogger(__name__)

BINARY_SNIFF_BYTES = 8000
"""git decides "binary" by looking for a NUL byte in this many leading bytes."""
SYMLINK_MODE = "120000"
_STATUS: dict[str, FileStatus] = {"M": "modified", "T": "modified", "U": "modified", "A": "added", "C": "added"}
_STATUS |= {"D": "deleted", "R": "renamed"}


@dataclass
class Converter:
    """Converts for one computation: knows the repository, the base tree, the key and the size limit, and
    reads base blobs and working files in batches."""

    repo: GitRepo
    key: bytes | None
    max_bytes: int
    symbols: bool = True
    _base_texts: dict[str, bytes] = field(default_factory=dict)

    def entries(self, entries: Sequence[DiffEntry], texts: dict[str, bytes] | None = None) -> list[FileChange]:
        """``FileChange`` for each diff entry (working files are read from disk unless in ``texts``)."""
        texts = {} if texts is None else texts
        sizes = self.repo.blob_sizes([e.old_sha for e in entries if e.binary and _real(e.old_sha)])
        deletion_only = [e.old_sha for e in entries if any(h.new_lines == 0 for h in e.hunks) and _real(e.old_sha)]
        if self.symbols:
            self._base_texts.update(self.repo.read_blobs(deletion_only))
        out: list[FileChange] = []
        for e in entries:
            if not valid_path(e.path) or (e.old_path is not None and not valid_path(e.old_path)):
                continue
            status = _STATUS.get(e.status, "modified")
            old_path = e.old_path if status == "renamed" else None
            if e.status in ("T", "U"):
                out.append(FileChange(path=e.path, status=status, old_path=old_path, hunks=None))
            elif e.binary:
                out.append(self._whole_file(e, status, old_path, sizes.get(e.old_sha, 0)))
            else:
                new_text = self._new_text(e, texts) if e.status != "D" else None
                base_text = self._base_texts.get(e.old_sha)
                hunks = self.hunks(e.path, e.hunks, new_text, base_text)
                out.append(FileChange(path=e.path, status=status, old_path=old_path, hunks=hunks))
        return out

    def added(self, path: str, content: bytes) -> FileChange:
        """An untracked file (or a buffer with no base): one hunk over the whole content."""
        if len(content) > self.max_bytes:
            return FileChange(path=path, status="added", binary=is_binary(content), hunks=None)
        if is_binary(content):
            return FileChange(path=path, status="added", binary=True, hunks=None)
        hunk = added_file_hunk(content)
        return FileChange(path=path, status="added", hunks=self.hunks(path, [hunk] if hunk else [], content, None))

    def hunks(
        self, path: str, raw: Iterable[RawHunk], new_text: bytes | None, base_text: bytes | None
    ) -> tuple[Hunk, ...]:
        """Wire hunks with their keyed hashes and touched symbols (new text for hunks that add lines, the
        base text for those that only delete)."""
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

    def _new_text(self, e: DiffEntry, texts: dict[str, bytes]) -> bytes | None:
        if e.path in texts:
            return texts[e.path]
        if not self.symbols or e.new_mode == SYMLINK_MODE or not any(h.new_lines for h in e.hunks):
            return None
        try:
            return (self.repo.root / e.path).read_bytes()
        except OSError:  # gone or replaced since git looked: no symbols, the next event recomputes
            return None

    def _whole_file(self, e: DiffEntry, status: FileStatus, old_path: str | None, base_size: int) -> FileChange:
        """git said binary: either truly binary, or one side is over the size limit (core.bigFileThreshold)."""
        new_file = self.repo.root / e.path
        new_size = file_size(new_file) if e.status != "D" else 0
        if max(new_size, base_size) <= self.max_bytes:
            return FileChange(path=e.path, status=status, old_path=old_path, binary=True, hunks=None)
        head = read_head(new_file) if e.status != "D" else self.repo.blob_prefix(e.old_sha, BINARY_SNIFF_BYTES)
        return FileChange(path=e.path, status=status, old_path=old_path, binary=is_binary(head), hunks=None)


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
    """What git would hash for a working file: a symlink's target, a regular file's bytes (only the head
    when it is over the limit); None for anything else or when it vanished."""
    try:
        st = os.lstat(path)
        if os.path.islink(path):
            return os.fsencode(os.readlink(path))
        if not os.path.isfile(path):
            return None
        if st.st_size > max_bytes:
            with path.open("rb") as f:
                return f.read(max_bytes + 1)
        return path.read_bytes()
    except OSError:
        return None


def _real(sha: str) -> bool:
    return bool(sha) and sha.strip("0") != ""
