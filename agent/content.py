"""One file's change from its base blob and new bytes: git diffs the two (``--no-index``), no tree walk.

This is how unsaved buffers are compared, and how a single saved file is, when nothing (a clean filter,
an end-of-line conversion) would make git read the file differently from its bytes: a pathspec-limited
``git diff <base> -- path`` walks the whole tree and index and costs as much as diffing everything.
"""

from __future__ import annotations

import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from agent.convert import SYMLINK_MODE, Converter, is_binary
from agent.gitrepo import BaseEntry, GitRepo
from agent.hunks import GITLINK_MODE, RawHunk, no_index_options, parse_patch
from tandem.hunkhash import split_lines
from tandem.protocol import FileChange, FileStatus


@dataclass(frozen=True, slots=True)
class NewSide:
    """What the base is compared with: bytes (possibly only the head of a large file), where they came from,
    their mode, and how git would read them."""

    content: bytes | None
    """None: the file does not exist (deleted)."""
    source: Path | None = None
    """The working file, to stream a large one's hash; None for a buffer."""
    mode: str | None = None
    """The working file's git mode, to notice a permission or type change; None for a buffer."""
    force_binary: bool = False
    """gitattributes say ``-diff`` (or ``binary``)."""
    crlf_to_lf: bool = False
    """git would convert CRLF line endings on reading (core.autocrlf, text/eol attributes)."""


def content_change(
    repo: GitRepo,
    convert: Converter,
    tree: str,
    path: str,
    new: NewSide,
    *,
    old_path: str | None = None,
    known: bool = False,
) -> FileChange | None:
    """The change of ``path`` whose new side is ``new``, against ``tree`` (``old_path`` there for a rename);
    None when unchanged or git-ignored (``known``: the caller already knows it is not)."""
    base_path = old_path or path
    entry = repo.base_entry(tree, base_path, convert.max_bytes)
    if entry is None and base_path != path:
        base_path, entry = path, repo.base_entry(tree, path, convert.max_bytes)
    if entry is not None and entry.mode == GITLINK_MODE:
        return None
    if new.content is None:
        return None if entry is None else _deleted(repo, convert, path, entry)
    # Not tracked and ignored: git does not see the file, so a base version counts as deleted.
    ignored = not known and repo.is_ignored(path)
    if entry is None or ignored:
        if not ignored:
            return convert.added(path, new.content, new.source, force_binary=new.force_binary)
        return _deleted(repo, convert, path, entry) if entry is not None and base_path == path else None
    content = new.content
    if new.crlf_to_lf and entry.content is not None and b"\r" not in entry.content:
        content = content.replace(b"\r\n", b"\n")  # git's "safe" conversion: only when the base has no CR
    status: FileStatus = "renamed" if base_path != path else "modified"
    renamed_from = base_path if status == "renamed" else None
    if new.mode is not None and (new.mode == SYMLINK_MODE) != (entry.mode == SYMLINK_MODE):
        return convert.whole_file(path, status, renamed_from, new.source, binary=False, content=content)
    if entry.content is not None and content == entry.content:
        same = new.mode is None or new.mode == entry.mode or _ignores_permissions(repo, new.mode, entry.mode)
        return None if same and not renamed_from else FileChange(path=path, status=status, old_path=renamed_from)
    too_large = max(entry.size, len(content)) > convert.max_bytes
    if too_large or new.force_binary or is_binary(content) or is_binary(entry.content or b""):
        binary = is_binary(content) or (not too_large and (new.force_binary or is_binary(entry.content or b"")))
        return convert.whole_file(path, status, renamed_from, new.source, binary=binary, content=content)
    assert entry.content is not None  # not too large
    binary, raw = _git_diff(repo, convert.max_bytes, entry.content, content)
    if binary:
        return convert.whole_file(path, status, renamed_from, new.source, binary=True, content=content)
    return FileChange(
        path=path, status=status, old_path=renamed_from, hunks=convert.hunks(path, raw, content, entry.content)
    )


def working_side(repo: GitRepo, path: str, max_bytes: int) -> NewSide:
    """The working file as git would read it: a symlink's target, a regular file's bytes (the head only
    when it is over the limit), its mode (permissions count only with core.fileMode)."""
    target = repo.root / path
    try:
        st = os.lstat(target)
        if target.is_symlink():
            return NewSide(os.fsencode(os.readlink(target)), target, SYMLINK_MODE)
        if not target.is_file():
            return NewSide(None)
        with target.open("rb") as f:
            content = f.read(max_bytes + 1)
    except OSError:
        return NewSide(None)
    return NewSide(content, target, _regular_mode(repo, st.st_mode))


def file_mode(repo: GitRepo, target: Path) -> str | None:
    """git's mode for a regular working file (None if it is not one): executable only with core.fileMode."""
    try:
        st = os.lstat(target)
    except OSError:
        return None
    return _regular_mode(repo, st.st_mode) if stat.S_ISREG(st.st_mode) else None


def _ignores_permissions(repo: GitRepo, mode: str, base_mode: str) -> bool:
    """With core.fileMode off, git keeps the recorded executable bit: only the file type can differ."""
    regular = ("100644", "100755")
    return repo.settings.get("core.filemode", "true").lower() == "false" and mode in regular and base_mode in regular


def _regular_mode(repo: GitRepo, st_mode: int) -> str:
    executable = bool(st_mode & 0o100) and repo.settings.get("core.filemode", "true").lower() != "false"
    return "100755" if executable else "100644"


def _deleted(repo: GitRepo, convert: Converter, path: str, entry: BaseEntry) -> FileChange:
    if entry.content is None:  # over the limit: whole-file, binary if its head says so
        binary = is_binary(repo.blob_prefix(entry.sha, 8000))
        return convert.whole_file(path, "deleted", None, None, binary=binary)
    if is_binary(entry.content):
        return convert.whole_file(path, "deleted", None, None, binary=True)
    lines = len(split_lines(entry.content))
    raw = [RawHunk(1, lines, 0, 0)] if lines else []
    return FileChange(path=path, status="deleted", hunks=convert.hunks(path, raw, None, entry.content))


def _git_diff(repo: GitRepo, max_bytes: int, base: bytes, new: bytes) -> tuple[bool, tuple[RawHunk, ...]]:
    """git's own diff of two texts: the base in a scratch file, the new text on stdin."""
    with tempfile.NamedTemporaryFile(prefix="tandem-base-") as scratch:
        scratch.write(base)
        scratch.flush()
        out = repo.run(*no_index_options(max_bytes), "--", scratch.name, "-", stdin=new, ok=(0, 1))
    return parse_patch(out)
