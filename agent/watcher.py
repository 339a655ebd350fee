"""File events of one working copy, filtered before any work and delivered to the event loop in batches.

watchfiles' notifier (the Rust ``notify`` engine behind ``awatch``) runs in a thread of its own: building it
walks the tree to install the watches, which on a 100,000-file repository takes long enough to stall the
event loop, and its ``watch`` call blocks. ``awatch`` is the same loop, run through anyio's worker threads.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from watchfiles._rust_notify import RustNotify

from agent.ignore import IgnoreRules

log = logging.getLogger(__name__)

DEBOUNCE_MS = 50
"""Longest time watchfiles groups events before handing them over."""
STEP_MS = 20
"""A batch is handed over once no new event came for this long: a lone save leaves in 20-40 ms."""
GIT_TRIGGERS = frozenset({"HEAD", "index", "packed-refs", "info/exclude", "index.lock", "HEAD.lock"})
"""Files in the git directory whose change means a commit, checkout, pull, rebase, stage or new excludes. The
locks announce an operation in progress: the working files it rewrites then wait for it to finish."""


@dataclass(slots=True)
class Batch:
    """Working-copy paths (relative, ``/``-separated) that changed, and whether git's own state moved."""

    paths: set[str] = field(default_factory=set)
    git: bool = False
    ignores: bool = False
    """A ``.gitignore``/``.tandemignore`` changed: what counts as ignored may be different now."""


class WatchFilter:
    """Decides per raw event, before anything else looks at it: git internals only when they say HEAD, refs or
    the index moved; working files unless git (or ``.tandemignore``) ignores them. Nested ``.gitignore`` files
    are read once per folder, when the folder's first event arrives."""

    def __init__(self, root: Path, git_dir: Path, common_dir: Path | None = None, global_excludes: str = "") -> None:
        self.root = root
        self.git_dirs = tuple(dict.fromkeys(p for p in (git_dir, common_dir) if p is not None))
        self._root_prefix = str(root) + os.sep
        self._git_prefixes = tuple(str(p) + os.sep for p in self.git_dirs)
        self._global = global_excludes
        self._nested: dict[str, IgnoreRules | None] = {}
        self.reload()

    def reload(self) -> None:
        """Re-read the ignore files (after one of them changed)."""
        texts = [self._global]
        for path in (self.git_dirs[0] / "info" / "exclude", self.root / ".gitignore"):
            try:
                texts.append(path.read_text("utf-8", errors="replace"))
            except OSError:
                continue
        self._rules = IgnoreRules.parse("\n".join(texts))
        self._tandem = IgnoreRules.load(self.root)
        self._nested.clear()

    def classify(self, path: str) -> tuple[str, str] | None:
        """``("git", name)`` for a git state file, ``("file", relpath)`` for a working file, None to drop."""
        for prefix in self._git_prefixes:
            if path.startswith(prefix):
                name = path[len(prefix) :].replace(os.sep, "/")
                if name in GIT_TRIGGERS or (name.startswith("refs/") and not name.endswith(".lock")):
                    return "git", name
                return None
        if not path.startswith(self._root_prefix):
            return None
        rel = path[len(self._root_prefix) :].replace(os.sep, "/")
        parts = rel.split("/")
        if ".git" in parts:  # the .git file of a worktree, or a nested repository's internals
            return None
        if self._rules.matches(rel) or self._tandem.matches(rel) or self._nested_ignores(parts):
            return None
        return "file", rel

    def _nested_ignores(self, parts: list[str]) -> bool:
        for depth in range(1, len(parts)):
            folder = "/".join(parts[:depth])
            rules = self._nested[folder] if folder in self._nested else self._load_nested(folder)
            if rules is not None and rules.matches("/".join(parts[depth:])):
                return True
        return False

    def _load_nested(self, folder: str) -> IgnoreRules | None:
        try:
            text = (self.root / folder / ".gitignore").read_text("utf-8", errors="replace")
        except OSError:
            rules = None
        else:
            rules = IgnoreRules.parse(text) or None
        self._nested[folder] = rules
        return rules

    def batch(self, raw: set[tuple[int, str]]) -> Batch:
        out = Batch()
        for _change, path in raw:
            kind = self.classify(path)
            if kind is None:
                continue
            if kind[0] == "git":
                out.git = True
                out.ignores |= kind[1] == "info/exclude"
            else:
                out.paths.add(kind[1])
                out.ignores |= kind[1].endswith((".gitignore", ".tandemignore"))
        if out.ignores:
            self.reload()
        return out


class Watcher:
    """Watches one working copy from a thread; ``on_batch`` is called on the event loop for each non-empty
    batch. ``start`` returns once the watches are installed (so an edit made after it is seen)."""

    def __init__(self, watch_filter: WatchFilter, on_batch: Callable[[Batch], None]) -> None:
        self.filter = watch_filter
        self.on_batch = on_batch
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._notify: RustNotify | None = None

    async def start(self) -> None:
        paths = [str(self.filter.root)]
        paths += [str(p) for p in self.filter.git_dirs if not p.is_relative_to(self.filter.root)]
        self._notify = await asyncio.to_thread(RustNotify, paths, False, False, 300, True, True)
        loop = asyncio.get_running_loop()
        self._thread = threading.Thread(target=self._run, args=(loop,), name="tandem-watch", daemon=True)
        self._thread.start()

    def _run(self, loop: asyncio.AbstractEventLoop) -> None:
        notify = self._notify
        assert notify is not None
        with notify:
            while not self._stop.is_set():
                raw = notify.watch(DEBOUNCE_MS, STEP_MS, 0, self._stop)
                if isinstance(raw, str):  # "stop", "timeout" or "signal"
                    continue
                batch = self.filter.batch(raw)
                if batch.paths or batch.git:
                    try:
                        loop.call_soon_threadsafe(self.on_batch, batch)
                    except RuntimeError:  # the loop closed under us: nobody is listening any more
                        return

    async def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join, 5)
            self._thread = None
