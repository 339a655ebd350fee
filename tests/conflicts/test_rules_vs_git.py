"""Hand-written merge cases, one per rule: the expected verdict is stated, and both git and the engine must give it."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from backend.conflicts import ConflictEngine, Participant, Severity, edit_from_wire
from tandem.protocol import FileChange, FileStatus
from tests.conflicts.gitoracle import FILE, GitOracle

OURS = Participant("u1", "laptop")
THEIRS = Participant("u2", "laptop")
REPO = "example.com/team/app"


@dataclass(frozen=True)
class Case:
    base: str | None
    ours: str | None
    theirs: str | None
    conflict: bool
    """What the engine says, and git with the diff3 conflict style."""
    git_default: bool | None = None
    """What git says with the default conflict style, when it differs."""


def lines(*items: str) -> str:
    return "".join(item + "\n" for item in items)


BASE = lines("1", "2", "3", "4", "5")
CASES = {
    "same line changed differently": Case(BASE, lines("1", "A", "3", "4", "5"), lines("1", "B", "3", "4", "5"), True),
    "adjacent lines changed (touching)": Case(
        BASE, lines("1", "A", "3", "4", "5"), lines("1", "2", "B", "4", "5"), True
    ),
    "one unchanged line between": Case(BASE, lines("1", "A", "3", "4", "5"), lines("1", "2", "3", "B", "5"), False),
    "insertion right after a changed line": Case(
        BASE, lines("1", "A", "3", "4", "5"), lines("1", "2", "new", "3", "4", "5"), True
    ),
    "insertion right before a changed line": Case(
        BASE, lines("1", "2", "A", "4", "5"), lines("1", "2", "new", "3", "4", "5"), True
    ),
    "insertion one line away from a change": Case(
        BASE, lines("1", "2", "3", "A", "5"), lines("1", "2", "new", "3", "4", "5"), False
    ),
    "two insertions at the same point": Case(
        BASE, lines("1", "2", "x", "3", "4", "5"), lines("1", "2", "y", "3", "4", "5"), True
    ),
    "the same insertion at the same point": Case(
        BASE, lines("1", "2", "x", "3", "4", "5"), lines("1", "2", "x", "3", "4", "5"), False
    ),
    "insertions at the file's start": Case(BASE, lines("x", *"12345"), lines("y", *"12345"), True),
    "insertion at the start, first line changed": Case(BASE, lines("x", *"12345"), lines("A", *"2345"), True),
    "insertions at the file's end": Case(BASE, lines(*"12345", "x"), lines(*"12345", "y"), True),
    "insertion at the end, last line changed": Case(BASE, lines(*"12345", "x"), lines(*"1234", "E"), True),
    "the same change on both sides": Case(BASE, lines("1", "A", "3", "4", "5"), lines("1", "A", "3", "4", "5"), False),
    "the same change, plus a change elsewhere": Case(
        BASE, lines("1", "A", "3", "4", "5"), lines("1", "A", "3", "4", "E"), False
    ),
    "the same change, one side changed the next line too": Case(
        BASE, lines("1", "A", "3", "4", "5"), lines("1", "A", "B", "4", "5"), True
    ),
    "deleted and changed the same line": Case(BASE, lines("1", "3", "4", "5"), lines("1", "A", "3", "4", "5"), True),
    "the same line deleted on both sides": Case(BASE, lines("1", "3", "4", "5"), lines("1", "3", "4", "5"), False),
    "overlapping deletions": Case(BASE, lines("1", "4", "5"), lines("1", "2", "5"), True),
    "same text, aligned differently by the two diffs": Case(
        lines("a", "a", "a"), lines("a", "b", "a", "z", "a"), lines("a", "b", "a", "a"), True, git_default=False
    ),
    "modified and deleted file": Case(BASE, lines("1", "A", "3", "4", "5"), None, True),
    "deleted on both sides": Case(BASE, None, None, False),
    "added on both sides, different content": Case(None, lines("x"), lines("y"), True),
    "added on both sides, same content": Case(None, lines("x", "y"), lines("x", "y"), False),
    "added on both sides, one empty": Case(None, "", lines("y"), False),
}


def reported(oracle: GitOracle, side: str, base: str | None, text: str | None) -> list[FileChange]:
    """What an agent reports for the file: nothing when unchanged, else its status and ``-U0`` hunks."""
    if text == base:
        return []
    status: FileStatus = "added" if base is None else "deleted" if text is None else "modified"
    hunks = oracle.hunks(side, None if text is None else text.encode())
    return [FileChange(path=FILE, status=status, hunks=hunks)]


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_engine_and_git_give_the_stated_verdict(oracle: GitOracle, case: Case) -> None:
    encode = [None if t is None else t.encode() for t in (case.base, case.ours, case.theirs)]
    oracle.load(*encode)
    engine = ConflictEngine(clock=lambda: 0.0)
    for participant, side, text in ((OURS, "ours", case.ours), (THEIRS, "theirs", case.theirs)):
        files = [edit_from_wire(change) for change in reported(oracle, side, case.base, text)]
        engine.apply_snapshot(participant, REPO, base="b0", files=files)
    findings = engine.findings_for_repo(REPO)

    assert any(f.severity is Severity.CONFLICT for f in findings) == case.conflict
    assert oracle.merge("diff3").conflicted == case.conflict
    expected_default = case.conflict if case.git_default is None else case.git_default
    assert oracle.merge("merge").conflicted == expected_default
