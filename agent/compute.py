"""The blocking half of watching a working copy: whole-copy and per-file change sets, and the deltas between them.

Everything here runs in a worker thread (``asyncio.to_thread``), one call at a time per working copy, since a
``GitRepo`` is not thread-safe.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import msgspec

from agent.changes import file_change, working_copy_changes
from agent.config import LINK_FILE
from agent.gitrepo import GitRepo
from agent.repostate import RepoState, read_state
from tandem.protocol import FileChange

MAX_RENAME_PAIRS = 16
"""In one batch, deleted x added files up to this many are tried as renames (``mv a b`` is two events)."""
NOT_REPORTED = frozenset({LINK_FILE})
"""Tandem's own link file is not the developer's work."""


@dataclass(slots=True)
class Computed:
    """A computation's outcome: the state it saw and the changes (``None`` for a path: no longer changed)."""

    state: RepoState
    full: bool
    changes: dict[str, FileChange | None] = field(default_factory=dict)


def compute_full(repo: GitRepo, key: bytes, buffers: Mapping[str, str]) -> Computed:
    """Every change of the working copy (one ``git diff``, one ``git ls-files``)."""
    state = read_state(repo)
    changes = working_copy_changes(repo, state.base, key=key, buffers=buffers)
    return Computed(state, True, {c.path: c for c in changes if c.path not in NOT_REPORTED})


def compute_files(
    repo: GitRepo,
    key: bytes,
    known: RepoState | None,
    paths: Iterable[str],
    view: Mapping[str, FileChange],
    buffers: Mapping[str, str],
) -> Computed:
    """The changes of a few paths; falls back to :func:`compute_full` when HEAD or the base moved meanwhile or
    a folder appeared (a moved-in folder gets one event, not one per file)."""
    state = read_state(repo)
    if known is None or (state.head, state.base, state.branch) != (known.head, known.base, known.branch):
        return compute_full(repo, key, buffers)
    wanted: set[str] = set()
    for path in paths:
        target = repo.root / path
        if target.is_dir() and not target.is_symlink():
            return compute_full(repo, key, buffers)
        wanted.add(path)
        if not target.exists():  # a removed folder: what the backend holds below it
            prefix = path + "/"
            wanted.update(p for p in view if p.startswith(prefix))
    out: dict[str, FileChange | None] = {}
    for path in sorted(wanted - NOT_REPORTED):
        old = view.get(path)
        old_path = old.old_path if old is not None and old.status == "renamed" else None
        out[path] = file_change(repo, state.base, path, key=key, buffer=buffers.get(path), old_path=old_path)
    _pair_renames(repo, state, key, out, buffers)
    return Computed(state, False, out)


def _pair_renames(
    repo: GitRepo, state: RepoState, key: bytes, out: dict[str, FileChange | None], buffers: Mapping[str, str]
) -> None:
    """``mv a b`` arrives as a deletion and an addition: ask git whether they pair, as the full diff would."""
    deleted = [p for p, c in out.items() if c is not None and c.status == "deleted"]
    added = [p for p, c in out.items() if c is not None and c.status == "added" and p not in buffers]
    if not deleted or not added or len(deleted) * len(added) > MAX_RENAME_PAIRS:
        return
    for new in added:
        for old in deleted:
            paired = file_change(repo, state.base, new, key=key, old_path=old)
            if paired is not None and paired.status == "renamed" and paired.old_path == old:
                out[new], out[old] = paired, None
                deleted.remove(old)
                break


def delta(view: Mapping[str, FileChange], computed: Computed) -> tuple[list[FileChange], list[str]]:
    """What to send so the backend's copy of ``view`` matches the computation: changed files, removed paths."""
    if computed.full:
        fresh = {p: c for p, c in computed.changes.items() if c is not None}
        changed = [c for p, c in sorted(fresh.items()) if view.get(p) != c]
        removed = sorted(p for p in view if p not in fresh)
        return changed, removed
    changed, removed = [], []
    for path, change in sorted(computed.changes.items()):
        if change is None:
            if path in view:
                removed.append(path)
        elif view.get(path) != change:
            changed.append(change)
    return changed, removed


def encode(change: FileChange) -> bytes:
    """One file change as it goes on the wire (defaults left out)."""
    return msgspec.json.encode(change)


def chunks(parts: list[bytes], max_bytes: int, max_items: int = 20_000) -> list[list[bytes]]:
    """Encoded items split into lists that each fit one frame (always at least one list, maybe empty)."""
    out: list[list[bytes]] = [[]]
    size = 0
    for part in parts:
        if out[-1] and (size + len(part) + 1 > max_bytes or len(out[-1]) >= max_items):
            out.append([])
            size = 0
        out[-1].append(part)
        size += len(part) + 1
    return out


def is_inside(path: Path, root: Path) -> bool:
    return path == root or path.is_relative_to(root)
