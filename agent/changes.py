"""What this developer has changed against the shared base, in git's own terms: files, statuses and hunks.

The working tree (committed-but-unpushed, staged, unstaged and untracked work alike) is compared with the
base commit by git's own diff, configured as merge-ort configures it: histogram, no indent heuristic, no
context (``-U0``), renames detected. Unsaved editor buffers replace the disk copy of their file. Every
function here blocks (git subprocesses, file reads): the daemon runs them with ``asyncio.to_thread``.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from agent.content import NewSide, content_change, file_mode, working_side
from agent.convert import Converter, read_working_file
from agent.gitrepo import GitError, GitRepo
from agent.hunks import DiffEntry, DiffParseError, diff_options, parse_diff
from agent.ignore import IgnoreRules
from tandem.protocol import FileChange

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 1 << 20
"""Files over this size (either side) are reported without hunks: whole-file changes."""


def working_copy_changes(
    repo: GitRepo,
    base: str | None,
    *,
    key: bytes | None,
    buffers: Mapping[str, str] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    symbols: bool = True,
    hunk_text: bool = False,
) -> list[FileChange]:
    """Every change of the working copy against ``base`` (None: no commit yet, everything is added), sorted by
    path. One ``git ls-files`` for untracked files and one ``git diff`` for tracked ones; a second, narrowed
    ``git diff`` only when files were both deleted and created, to pair renames git would see once added.
    Blocks."""
    tree = base or repo.empty_tree
    rules = IgnoreRules.load(repo.root)
    convert = Converter(repo, key, max_bytes, symbols, hunk_text)
    untracked = [p for p in repo.untracked() if not rules.matches(p)]
    entries = [e for e in parse_diff(repo.run(*diff_options(max_bytes), tree, "--")) if _reportable(e, rules)]
    if untracked and any(e.status == "D" for e in entries):
        # Deleted files may pair with untracked ones as renames, and a file removed from the index may
        # still be on disk: diff the two groups as git would once the untracked files are added.
        listed = set(untracked)
        redo = [e for e in entries if e.status == "D" and (e.path in listed or not _on_disk(repo, e.path))]
        based = [(e.old_mode, e.old_sha, e.path) for e in redo]
        paired = _scratch_diff(repo, based, untracked, max_bytes)
        if paired is not None:
            gone = {e.path for e in redo}
            entries = [e for e in entries if e.path not in gone] + [e for e in paired if _reportable(e, rules)]
            untracked = []
    buffers = {p: t for p, t in (buffers or {}).items() if _is_working_path(p) and not rules.matches(p)}
    by_path = {e.path: e for e in entries}
    untracked_set = set(untracked)
    changes = {c.path: c for c in convert.entries([e for e in entries if e.path not in buffers])}
    undiffable = repo.undiffable([p for p in untracked if p not in buffers])
    for path in untracked:
        if path not in buffers:
            content = read_working_file(repo.root / path, max_bytes)
            if content is not None:
                source = repo.root / path
                changes[path] = convert.added(path, content, source, force_binary=path in undiffable)
    for path, text in buffers.items():
        entry = by_path.get(path)
        side = _buffer_side(repo, path, text)
        old_path = entry.old_path if entry else None
        known = path in untracked_set or (entry is not None and entry.status != "D")
        change = content_change(repo, convert, tree, path, side, old_path=old_path, known=known)
        if change is not None:
            changes[path] = change
    return [changes[p] for p in sorted(changes)]


def file_change(
    repo: GitRepo,
    base: str | None,
    path: str,
    *,
    key: bytes | None,
    buffer: str | None = None,
    old_path: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    symbols: bool = True,
    hunk_text: bool = False,
) -> FileChange | None:
    """The change of one file against ``base`` after an edit or for an unsaved ``buffer``; None when it is
    unchanged, ignored or absent. A rename is reported when ``old_path`` (known from the last whole-copy
    computation) is given and git pairs the two, as one path alone cannot show a rename. Blocks."""
    if not _is_working_path(path) or IgnoreRules.load(repo.root).matches(path):
        return None
    tree = base or repo.empty_tree
    convert = Converter(repo, key, max_bytes, symbols, hunk_text)
    if buffer is not None:
        return content_change(repo, convert, tree, path, _buffer_side(repo, path, buffer), old_path=old_path)
    side = working_side(repo, path, max_bytes)
    attrs = repo.attributes(path)
    undiffable = attrs.get("diff") == "unset"
    if (old_path is None or old_path == path) and _read_as_is(repo, attrs, side.content):
        return content_change(repo, convert, tree, path, replace(side, force_binary=undiffable))
    # A rename to confirm, or content git transforms before diffing: ask git, with an index holding only
    # the base versions of these paths (a pathspec-limited diff against the base walks the whole tree).
    if side.content is not None and repo.is_ignored(path):
        side = replace(side, content=None)  # untracked and ignored: git does not see it
    paths = [path] if old_path is None or old_path == path else [old_path, path]
    based = [(b.mode, b.sha, p) for p in paths if (b := repo.base_entry(tree, p, max_bytes)) is not None]
    if side.content is None and not any(p == path for _, _, p in based):
        return None
    fresh = [path] if side.content is not None and not any(p == path for _, _, p in based) else []
    entries = _scratch_diff(repo, based, fresh, max_bytes)
    if entries is None:
        return None
    entry = next((e for e in entries if e.path == path), None)
    if entry is None or entry.is_gitlink:
        return None
    found = convert.entries([entry])
    return found[0] if found else None


def _is_working_path(path: str) -> bool:
    """A relative path inside the working copy, outside any ``.git`` directory (git never reports those)."""
    parts = path.split("/")
    return bool(path) and not path.startswith("/") and not any(p in ("", ".", "..", ".git") for p in parts)


def _reportable(entry: DiffEntry, rules: IgnoreRules) -> bool:
    return not entry.is_gitlink and not rules.matches(entry.path)


def _on_disk(repo: GitRepo, path: str) -> bool:
    target = repo.root / path
    return target.is_symlink() or target.exists()


def _scratch_diff(
    repo: GitRepo, based: Sequence[tuple[str, str, str]], fresh: Sequence[str], max_bytes: int
) -> list[DiffEntry] | None:
    """git's diff of some paths between the base and the working tree, through a scratch index that holds
    the base version (mode, blob, path) of ``based`` and the ``fresh`` paths added intent-to-add: git then
    applies its own reading rules (filters, line endings, attributes) and pairs renames. The developer's
    index is never written. None when git refuses (the caller keeps its simpler answer)."""
    with tempfile.TemporaryDirectory(prefix="tandem-index-") as scratch:
        env = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
        try:
            if based:
                info = b"".join(f"{mode} {sha}\t".encode() + _nul(path) for mode, sha, path in based)
                repo.run("update-index", "--add", "-z", "--index-info", stdin=info, env=env)
            if fresh:
                listing = b"".join(_nul(p) for p in fresh)
                repo.run(
                    "add", "--intent-to-add", "--pathspec-from-file=-", "--pathspec-file-nul", stdin=listing, env=env
                )
            return parse_diff(repo.run(*diff_options(max_bytes), "--", env=env))
        except (GitError, DiffParseError) as err:
            log.warning("diff through a scratch index failed, keeping the simpler answer: %s", err)
            return None


def _nul(path: str) -> bytes:
    return path.encode("utf-8", "surrogateescape") + b"\0"


def _buffer_side(repo: GitRepo, path: str, text: str) -> NewSide:
    """An unsaved buffer as git would read it once saved (attributes and end-of-line conversion)."""
    content = text.encode("utf-8")
    attrs = repo.attributes(path)
    mode = file_mode(repo, repo.root / path)  # saving keeps the file's permissions
    eol = _converts_eol(repo, attrs)
    return NewSide(content, mode=mode, force_binary=attrs.get("diff") == "unset", crlf_to_lf=eol)


def _read_as_is(repo: GitRepo, attrs: dict[str, str], content: bytes | None) -> bool:
    """Whether git would diff the working file's bytes unchanged: no clean filter, no ident or encoding
    conversion, and no end-of-line conversion that would apply to these bytes."""
    if any(attrs.get(name, "unset") != "unset" for name in ("filter", "ident", "working-tree-encoding")):
        return False
    return not (content and b"\r\n" in content and _converts_eol(repo, attrs))


def _converts_eol(repo: GitRepo, attrs: dict[str, str]) -> bool:
    if attrs.get("text") == "unset" or attrs.get("eol") == "unset":
        return False
    configured = repo.settings.get("core.autocrlf", "false").lower() in ("true", "input", "yes", "on", "1")
    return configured or attrs.get("text", "unset") != "unset" or "eol" in attrs
