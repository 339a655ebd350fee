"""Simulated developers' activity: snapshots and updates whose hunks sometimes overlap a teammate's."""

from __future__ import annotations

import random
from collections import deque
from typing import Any

import orjson

FILES = 200
"""Files in each simulated repository."""
HELD = 5
"""Files a developer has changed at once: touching another one reverts the oldest."""


def hunk(start: int, lines: int, text_hash: str) -> dict[str, Any]:
    return {
        "base_start": start,
        "base_lines": lines,
        "new_start": start,
        "new_lines": lines,
        "hash": text_hash,
        "symbols": [f"f{start // 40}"],
    }


def change(path: str, *hunks: dict[str, Any]) -> dict[str, Any]:
    return {"path": path, "status": "modified", "hunks": list(hunks)}


def snapshot(repository_id: str, files: list[dict[str, Any]] | None = None, seq: int = 1) -> dict[str, Any]:
    return {
        "workcopy": "wc",
        "seq": seq,
        "state": {"repository_id": repository_id, "branch": "feature", "head": "h" * 40, "base": "b" * 40},
        "files": files or [],
    }


STAY = 0.97
"""Chance that the next edit is in the same file, near the last one."""


class Developer:
    """Edits a few of the repository's files at a time; each update is one edit, mostly near the last one."""

    def __init__(self, seed: int, files: int = FILES, held: int = HELD) -> None:
        self.rng = random.Random(seed)
        self.files = files
        self.held: deque[str] = deque()
        self.limit = held
        self.seq = 1
        self.path = ""
        self.line = 1

    def update(self) -> dict[str, Any]:
        rng = self.rng
        self.seq += 1
        removed = []
        if not self.path or rng.random() > STAY:
            n = rng.randrange(self.files)
            self.path, self.line = f"src/pkg{n // 20}/mod{n}.py", rng.randrange(1, 600)
            if self.path not in self.held:
                self.held.append(self.path)
                if len(self.held) > self.limit:
                    removed.append(self.held.popleft())
        path = self.path
        start = self.line = max(1, self.line + rng.randrange(-5, 6))
        hunks = [hunk(start, rng.randrange(1, 12), f"{rng.getrandbits(64):016x}")]
        if rng.random() < 0.3:
            hunks.append(hunk(start + 40 + rng.randrange(100), rng.randrange(1, 6), f"{rng.getrandbits(64):016x}"))
        return {
            "workcopy": "wc",
            "seq": self.seq,
            "changed": [change(path, *hunks)],
            "removed": removed,
            "focus": {"path": path, "line": start},
        }

    def update_frame(self, message_id: int) -> bytes:
        return orjson.dumps({"id": message_id, "type": "activity.update", **self.update()})
