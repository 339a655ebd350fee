"""Real git as the oracle: each side's ``-U0`` histogram hunks, and what merge-ort makes of the three files."""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from tandem.protocol import Hunk

HASH_KEY = b"tandem-test-project-key"
FILE = "f"
_HUNK_HEADER = re.compile(rb"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
ConflictStyle = Literal["merge", "diff3"]


def hunk_hash(text: bytes) -> str:
    """What an agent sends as ``Hunk.hash``: HMAC-SHA256 of the hunk's new text, first 32 hex characters."""
    return hmac.new(HASH_KEY, text, hashlib.sha256).hexdigest()[:32]


def lines_of(data: bytes) -> list[bytes]:
    """Lines as git's xdiff records them: each keeps its newline; a last line may lack one."""
    return data.splitlines(keepends=True)


@dataclass(frozen=True, slots=True)
class ConflictBlock:
    """One conflict as merge-ort writes it: each side's lines (and the base's, with the diff3 style)."""

    ours: tuple[bytes, ...]
    base: tuple[bytes, ...]
    theirs: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class MergeOutcome:
    conflicted: bool
    blocks: tuple[ConflictBlock, ...]


class GitOracle:
    """A scratch repository where each case is three commits (base, ours, theirs) of one file ``f``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(path),
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_CONFIG_NOSYSTEM": "1",
            "LC_ALL": "C",
        }
        self._git("init", "-q", ".")

    def _git(self, *args: str, stdin: bytes | None = None, ok: tuple[int, ...] = (0,)) -> bytes:
        return self._run(*args, stdin=stdin, ok=ok).stdout

    def _run(
        self, *args: str, stdin: bytes | None = None, ok: tuple[int, ...] = (0,)
    ) -> subprocess.CompletedProcess[bytes]:
        done = subprocess.run(
            ["git", *args], cwd=self.path, env=self._env, input=stdin, capture_output=True, check=False
        )
        if done.returncode not in ok:
            raise RuntimeError(f"git {' '.join(args)} exited {done.returncode}: {done.stderr.decode()}")
        return done

    def load(self, base: bytes | None, ours: bytes | None, theirs: bytes | None) -> None:
        """Make branches ``base``, ``ours`` and ``theirs`` (children of base); None: the file is absent there."""
        stream = bytearray()
        for mark, data in ((1, base), (2, ours), (3, theirs)):
            if data is not None:
                stream += b"blob\nmark :%d\ndata %d\n%s\n" % (mark, len(data), data)
        for ref, blob, commit, data in ((b"base", 1, 10, base), (b"ours", 2, 11, ours), (b"theirs", 3, 12, theirs)):
            stream += b"commit refs/heads/%s\nmark :%d\ncommitter t <t@example.com> 0 +0000\ndata 0\n" % (ref, commit)
            if ref != b"base":
                stream += b"from :10\n"
            if data is not None:
                stream += b"M 100644 :%d %s\n" % (blob, FILE.encode())
            elif ref != b"base" and base is not None:
                stream += b"D %s\n" % FILE.encode()
            stream += b"\n"
        self._git("fast-import", "--quiet", "--force", stdin=bytes(stream))

    def hunks(self, side: str, new_text: bytes | None) -> tuple[Hunk, ...]:
        """The hunks an agent reports: ``git diff --histogram --no-indent-heuristic -U0`` against the base."""
        out = self._git(
            "diff", "--histogram", "--no-indent-heuristic", "-U0", "--no-color", "--no-ext-diff", "base", side
        )
        new_lines = lines_of(new_text or b"")
        found: list[Hunk] = []
        for line in out.splitlines():
            match = _HUNK_HEADER.match(line)
            if match is None:
                continue
            a, b, c, d = match.groups()
            base_lines = 1 if b is None else int(b)
            new_count = 1 if d is None else int(d)
            new_start = int(c)
            first = new_start - 1 if new_count else new_start
            text = b"".join(new_lines[first : first + new_count])
            found.append(
                Hunk(
                    base_start=int(a),
                    base_lines=base_lines,
                    new_start=new_start,
                    new_lines=new_count,
                    hash=hunk_hash(text),
                )
            )
        return tuple(found)

    def merge(self, style: ConflictStyle) -> MergeOutcome:
        """What ``git merge`` (merge-ort, histogram diff) does with ours and theirs, with that conflict style."""
        done = self._run(
            "-c",
            f"merge.conflictStyle={style}",
            "merge-tree",
            "--write-tree",
            "--no-messages",
            "ours",
            "theirs",
            ok=(0, 1),
        )
        tree = done.stdout.split(b"\n", 1)[0].decode()
        merged = self._git("cat-file", "-p", f"{tree}:{FILE}", ok=(0, 128))
        return MergeOutcome(conflicted=done.returncode == 1, blocks=tuple(_blocks(lines_of(merged))))


def _blocks(lines: list[bytes]) -> list[ConflictBlock]:
    blocks: list[ConflictBlock] = []
    part: list[list[bytes]] | None = None
    for line in lines:
        if line.startswith(b"<<<<<<< "):
            part = [[]]
        elif part is not None and line.startswith(b"|||||||"):
            part.append([])
        elif part is not None and line.rstrip(b"\n") == b"=======":
            if len(part) == 1:
                part.append([])
            part.append([])
        elif part is not None and line.startswith(b">>>>>>> "):
            blocks.append(ConflictBlock(tuple(part[0]), tuple(part[1]), tuple(part[2])))
            part = None
        elif part is not None:
            part[-1].append(line)
    return blocks
