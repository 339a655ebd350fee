"""``.tandemignore``: gitignore-syntax patterns at the repository root that keep files out of Tandem."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

TANDEMIGNORE = ".tandemignore"

_CLASSES = {
    "alnum": "a-zA-Z0-9",
    "alpha": "a-zA-Z",
    "blank": " \\t",
    "digit": "0-9",
    "lower": "a-z",
    "upper": "A-Z",
    "space": " \\t\\n\\r\\f\\v",
    "xdigit": "0-9a-fA-F",
    "punct": re.escape("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"),
}


@dataclass(frozen=True, slots=True)
class _Pattern:
    regex: re.Pattern[str]
    negate: bool
    dir_only: bool
    basename: bool  # no slash in the pattern: it matches the last component at any depth


class IgnoreRules:
    """gitignore semantics for one file of patterns, relative to the repository root.

    Later patterns win, ``!`` re-includes, a trailing ``/`` matches directories only, a pattern with a slash
    is anchored at the root, ``*``/``?``/``[...]`` never cross ``/``, ``**`` spans directories, and a file
    whose parent directory is ignored cannot be re-included (git does not even look inside).
    """

    def __init__(self, patterns: Iterable[_Pattern] = ()) -> None:
        self._patterns = tuple(patterns)

    @classmethod
    def parse(cls, text: str) -> IgnoreRules:
        return cls(p for p in (_compile(line) for line in text.splitlines()) if p is not None)

    @classmethod
    def load(cls, root: Path) -> IgnoreRules:
        """The rules of ``<root>/.tandemignore`` (none when the file is missing or unreadable)."""
        try:
            return cls.parse((root / TANDEMIGNORE).read_text("utf-8", errors="replace"))
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError, PermissionError):
            return cls()

    def __bool__(self) -> bool:
        return bool(self._patterns)

    def matches(self, path: str, *, is_dir: bool = False) -> bool:
        """Whether ``path`` (relative, ``/``-separated) is ignored, itself or through a parent directory."""
        if not self._patterns:
            return False
        parts = path.strip("/").split("/")
        for depth in range(1, len(parts)):
            if self._verdict("/".join(parts[:depth]), parts[depth - 1], is_dir=True):
                return True
        return self._verdict("/".join(parts), parts[-1], is_dir=is_dir)

    def _verdict(self, path: str, name: str, *, is_dir: bool) -> bool:
        for pattern in reversed(self._patterns):
            if pattern.dir_only and not is_dir:
                continue
            if pattern.regex.fullmatch(name if pattern.basename else path):
                return not pattern.negate
        return False


def _compile(line: str) -> _Pattern | None:
    line = _strip_trailing_spaces(line)
    if not line or line.startswith("#"):
        return None
    negate = line.startswith("!")
    if negate:
        line = line[1:]
    dir_only = line.endswith("/") and not line.endswith("\\/")
    if dir_only:
        line = line.rstrip("/")
    if not line:
        return None
    basename = "/" not in line
    line = line.removeprefix("/")
    return _Pattern(re.compile(_translate(line), re.DOTALL), negate, dir_only, basename)


def _strip_trailing_spaces(line: str) -> str:
    end = len(line)
    while end > 0 and line[end - 1] == " " and not (end > 1 and line[end - 2] == "\\"):
        end -= 1
    return line[:end]


def _translate(pattern: str) -> str:
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        if c == "*":
            j = i
            while j < n and pattern[j] == "*":
                j += 1
            at_start = i == 0 or pattern[i - 1] == "/"
            if j - i == 2 and at_start and j == n:
                out.append(".*")
            elif j - i == 2 and at_start and pattern[j] == "/":
                out.append("(?:.*/)?")
                j += 1
            else:
                out.append("[^/]*")
            i = j
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            cls, i = _bracket(pattern, i)
            out.append(cls)
        elif c == "\\" and i + 1 < n:
            out.append(re.escape(pattern[i + 1]))
            i += 2
        else:
            out.append(re.escape(c))
            i += 1
    return "".join(out)


def _bracket(pattern: str, start: int) -> tuple[str, int]:
    """Translate ``[...]`` starting at ``start``; an unterminated bracket is a literal ``[``."""
    i = start + 1
    negate = i < len(pattern) and pattern[i] in "!^"
    if negate:
        i += 1
    items: list[str] = []
    first = True
    while i < len(pattern):
        c = pattern[i]
        if c == "]" and not first:
            body = "".join(items)
            return (f"[^/{body}]" if negate else f"(?!/)[{body}]"), i + 1
        first = False
        if c == "[" and pattern.startswith("[:", i):
            end = pattern.find(":]", i + 2)
            name = pattern[i + 2 : end] if end != -1 else ""
            if name in _CLASSES:
                items.append(_CLASSES[name])
                i = end + 2
                continue
        if c == "\\" and i + 1 < len(pattern):
            i += 1
            c = pattern[i]
        if i + 2 < len(pattern) and pattern[i + 1] == "-" and pattern[i + 2] != "]":
            hi = pattern[i + 2]
            if hi == "\\" and i + 3 < len(pattern):
                hi = pattern[i + 3]
                i += 1
            items.append(f"{re.escape(c)}-{re.escape(hi)}")
            i += 3
            continue
        items.append(re.escape(c))
        i += 1
    return re.escape("["), start + 1
