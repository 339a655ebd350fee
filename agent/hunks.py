"""Parse ``git diff --raw -p -z -U0`` output into entries and hunks, exactly in git's coordinates."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tandem.hunkhash import split_lines

_HEADER = re.compile(rb"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
GITLINK_MODE = "160000"
_NEEDS_QUOTES = re.compile(rb'[\x00-\x1f"\\\x7f]')


def diff_options(max_bytes: int) -> list[str]:
    """``git diff`` as merge-ort computes it (histogram, no indent heuristic, no context, renames), printed in
    the form this module parses whatever the user's config says; files over ``max_bytes`` count as binary."""
    return [
        *("-c", f"core.bigFileThreshold={max_bytes}", "diff"),
        *("--histogram", "--no-indent-heuristic", "-U0", "--inter-hunk-context=0", "-M"),
        *("--raw", "-p", "-z", "--no-abbrev", "--no-ext-diff", "--no-textconv", "--no-color", "--no-relative"),
        *("--ignore-submodules=dirty", "--src-prefix=a/", "--dst-prefix=b/"),
    ]


def no_index_options(max_bytes: int) -> list[str]:
    """The same diff for two files outside the index (``git diff --no-index``): patch only, no renames."""
    return [o for o in diff_options(max_bytes) if o not in ("-M", "--raw", "-z", "--no-relative")] + ["--no-index"]


class DiffParseError(ValueError):
    """git printed something this parser does not understand (a git version or option mismatch)."""


@dataclass(frozen=True, slots=True)
class RawHunk:
    """One ``@@ -a,b +c,d @@`` block: its coordinates and the new-side lines (without the ``+``)."""

    base_start: int
    base_lines: int
    new_start: int
    new_lines: int
    added: tuple[bytes, ...] = ()


@dataclass(frozen=True, slots=True)
class DiffEntry:
    """One file pair of the diff: git's status letter, paths, modes, blob ids and the parsed patch."""

    status: str
    """git's letter: M modified, A added, D deleted, R renamed, T type changed, U unmerged, C copied."""
    path: str
    old_path: str | None
    old_mode: str
    new_mode: str
    old_sha: str
    new_sha: str
    binary: bool = False
    hunks: tuple[RawHunk, ...] = ()

    @property
    def is_gitlink(self) -> bool:
        return GITLINK_MODE in (self.old_mode, self.new_mode)


def parse_hunk_header(line: bytes) -> tuple[int, int, int, int]:
    """``@@ -a,b +c,d @@ ...`` to ``(a, b, c, d)``; an omitted count means 1, as in git."""
    match = _HEADER.match(line)
    if match is None:
        raise DiffParseError(f"not a hunk header: {line[:80]!r}")
    a, b, c, d = match.groups()
    return int(a), 1 if b is None else int(b), int(c), 1 if d is None else int(d)


def parse_patch(section: bytes) -> tuple[bool, tuple[RawHunk, ...]]:
    """One file's patch text (``diff --git`` header and hunks) to ``(binary, hunks)``."""
    lines = section.split(b"\n")
    hunks: list[RawHunk] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith(b"@@ "):
            a, b, c, d = parse_hunk_header(line)
            i += 1
            added: list[bytes] = []
            while i < len(lines) and lines[i][:1] in (b"+", b"-", b"\\"):
                if lines[i][:1] == b"+":
                    added.append(lines[i][1:] + b"\n")
                elif lines[i][:1] == b"\\" and added and lines[i - 1][:1] == b"+":
                    added[-1] = added[-1][:-1]  # "\ No newline at end of file" after a new line
                i += 1
            if len(added) != d:
                raise DiffParseError(f"hunk {line!r} announces {d} new lines, found {len(added)}")
            hunks.append(RawHunk(a, b, c, d, tuple(added)))
            continue
        if not hunks and (line.startswith(b"Binary files ") or line == b"GIT binary patch"):
            return True, ()
        i += 1
    return False, tuple(hunks)


def parse_diff(output: bytes) -> list[DiffEntry]:
    """The combined ``--raw -p -z`` output of one ``git diff`` to one entry per file pair, in git's order."""
    raw, patch = _split_raw(output)
    sections = _patch_sections(patch)
    entries: list[DiffEntry] = []
    s = 0
    for fields, path, old_path in raw:
        old_mode, new_mode, old_sha, new_sha, status = fields
        expected = _diff_git_line(old_path or path, path)
        # Stat-dirty but unchanged files and unmerged paths can be listed in --raw without a patch section.
        taken: list[bytes] = []
        want = 2 if status == "T" else 1
        while len(taken) < want and s < len(sections) and sections[s].split(b"\n", 1)[0] == expected:
            taken.append(sections[s])
            s += 1
        if not taken and status not in ("M", "U", "T"):
            raise DiffParseError(f"no patch for {status} {path!r}")
        binary, hunks = parse_patch(taken[0]) if len(taken) == 1 else (False, ())
        if not taken and status == "M":
            continue  # listed by stat only: the content equals the base
        entries.append(DiffEntry(status, path, old_path, old_mode, new_mode, old_sha, new_sha, binary, hunks))
    if s != len(sections):
        raise DiffParseError(f"{len(sections) - s} patch sections left unmatched")
    return entries


def added_file_hunk(content: bytes) -> RawHunk | None:
    """The single hunk git prints for a new file: ``@@ -0,0 +1,n @@`` (none for an empty file)."""
    lines = split_lines(content)
    if not lines:
        return None
    return RawHunk(0, 0, 1, len(lines), tuple(lines))


def _split_raw(output: bytes) -> tuple[list[tuple[tuple[str, str, str, str, str], str, str | None]], bytes]:
    entries: list[tuple[tuple[str, str, str, str, str], str, str | None]] = []
    pos = 0
    while pos < len(output) and output[pos : pos + 1] == b":":
        end = output.index(b"\0", pos)
        meta = output[pos + 1 : end].decode("ascii").split(" ")
        if len(meta) != 5:
            raise DiffParseError(f"unexpected raw line {output[pos:end]!r}")
        old_mode, new_mode, old_sha, new_sha, status = meta
        pos = end + 1
        paths: list[str] = []
        for _ in range(2 if status[:1] in ("R", "C") else 1):
            end = output.index(b"\0", pos)
            paths.append(output[pos:end].decode("utf-8", "surrogateescape"))
            pos = end + 1
        path, old_path = (paths[1], paths[0]) if len(paths) == 2 else (paths[0], None)
        entries.append(((old_mode, new_mode, old_sha, new_sha, status[:1]), path, old_path))
    if entries and output[pos : pos + 1] == b"\0":
        pos += 1  # the NUL that separates the raw part from the patch part
    return entries, output[pos:]


def _patch_sections(patch: bytes) -> list[bytes]:
    starts = [m.start() for m in re.finditer(rb"^diff --git ", patch, re.MULTILINE)]
    head = patch[: starts[0]] if starts else patch
    if any(line and not line.startswith(b"* Unmerged path ") for line in head.split(b"\n")):
        raise DiffParseError(f"unexpected patch text {head[:80]!r}")
    ends = [*starts[1:], len(patch)] if starts else []
    return [patch[a:b] for a, b in zip(starts, ends, strict=True)]


def _diff_git_line(old: str, new: str) -> bytes:
    return b"diff --git " + _quoted("a/" + old) + b" " + _quoted("b/" + new)


def _quoted(name: str) -> bytes:
    """git's quote_c_style with core.quotePath=false: only '"', '\\' and control characters force quotes."""
    raw = name.encode("utf-8", "surrogateescape")
    if not _NEEDS_QUOTES.search(raw):
        return raw
    escapes = {0x07: b"\\a", 0x08: b"\\b", 0x09: b"\\t", 0x0A: b"\\n", 0x0B: b"\\v", 0x0C: b"\\f", 0x0D: b"\\r"}
    out = bytearray(b'"')
    for byte in raw:
        if byte in escapes:
            out += escapes[byte]
        elif byte in (0x22, 0x5C):
            out += b"\\" + bytes([byte])
        elif byte < 0x20 or byte == 0x7F:
            out += b"\\%03o" % byte
        else:
            out.append(byte)
    out += b'"'
    return bytes(out)
