"""From the wire models to the engine's types: git's 1-based ``-U0`` numbers to 0-based half-open spans."""

from __future__ import annotations

import pytest

from backend.conflicts import EditStatus, Hunk, edit_from_wire, hunk_from_wire
from backend.errors import Invalid
from tandem import protocol


def wire(a: int, b: int, c: int, d: int, text: str = "h", *symbols: str) -> protocol.Hunk:
    return protocol.Hunk(base_start=a, base_lines=b, new_start=c, new_lines=d, hash=text, symbols=symbols)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ((3, 2, 3, 4), Hunk(2, 4, 2, 6, "h")),  # @@ -3,2 +3,4 @@ lines 3-4 became 4 lines
        ((3, 0, 4, 2), Hunk(3, 3, 3, 5, "h")),  # @@ -3,0 +4,2 @@ two lines inserted after line 3
        ((0, 0, 1, 2), Hunk(0, 0, 0, 2, "h")),  # @@ -0,0 +1,2 @@ inserted at the very start (or an added file)
        ((3, 2, 2, 0), Hunk(2, 4, 2, 2, "h")),  # @@ -3,2 +2,0 @@ lines 3-4 deleted, after new line 2
        ((1, 5, 0, 0), Hunk(0, 5, 0, 0, "h")),  # @@ -1,5 +0,0 @@ everything deleted
    ],
)
def test_git_headers_become_half_open_spans(header: tuple[int, int, int, int], expected: Hunk) -> None:
    assert hunk_from_wire(wire(*header)) == expected


def test_a_file_change_keeps_status_symbols_and_order() -> None:
    change = protocol.FileChange(
        path="b.py",
        status="renamed",
        old_path="a.py",
        hunks=(wire(9, 1, 9, 1, "h2", "f"), wire(2, 1, 2, 1, "h1", "Cart", "Cart.add")),
    )
    converted = edit_from_wire(change)
    assert converted.status is EditStatus.RENAMED
    assert converted.key == "a.py"
    assert converted.hunks == (Hunk(1, 2, 1, 2, "h1", ("Cart", "Cart.add")), Hunk(8, 9, 8, 9, "h2", ("f",)))


def test_binary_and_whole_file_changes_have_no_hunks() -> None:
    binary = edit_from_wire(protocol.FileChange(path="logo.png", status="modified", binary=True), content_hash="c")
    assert binary.hunks is None
    assert binary.content_hash == "c"
    assert edit_from_wire(protocol.FileChange(path="big.sql", status="modified", hunks=None)).hunks is None


@pytest.mark.parametrize(
    "hunks",
    [(wire(3, 2, 3, 2), wire(4, 1, 4, 1)), (wire(3, 0, 4, 1), wire(3, 0, 4, 2))],
    ids=["overlapping ranges", "two insertions at one point"],
)
def test_hunks_that_no_diff_produces_are_refused(hunks: tuple[protocol.Hunk, ...]) -> None:
    with pytest.raises(Invalid, match="overlap"):
        edit_from_wire(protocol.FileChange(path="a.py", status="modified", hunks=hunks))
