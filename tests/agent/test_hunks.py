"""Parsing git's -U0 output: headers, omitted counts, missing final newlines, raw entries and quoted paths."""

from __future__ import annotations

import pytest

from agent.hunks import DiffParseError, RawHunk, added_file_hunk, parse_diff, parse_hunk_header, parse_patch
from tests.agent.sandbox import Sandbox


@pytest.mark.parametrize(
    ("header", "coords"),
    [
        (b"@@ -3 +3 @@", (3, 1, 3, 1)),
        (b"@@ -3,0 +4,2 @@ def f():", (3, 0, 4, 2)),
        (b"@@ -0,0 +1 @@", (0, 0, 1, 1)),
        (b"@@ -5,2 +4,0 @@", (5, 2, 4, 0)),
        (b"@@ -10,3 +12,7 @@@@ -1 +1 @@", (10, 3, 12, 7)),
    ],
)
def test_hunk_headers(header: bytes, coords: tuple[int, int, int, int]) -> None:
    assert parse_hunk_header(header) == coords


def test_bad_header_is_an_error() -> None:
    with pytest.raises(DiffParseError):
        parse_hunk_header(b"@@ nonsense @@")


def test_patch_lines_and_the_missing_final_newline() -> None:
    patch = (
        b"diff --git a/f b/f\n--- a/f\n+++ b/f\n@@ -2 +2 @@\n-b\n+B\n"
        b"@@ -4,0 +5 @@ d\n+e\n\\ No newline at end of file\n"
    )
    assert parse_patch(patch) == (False, (RawHunk(2, 1, 2, 1, (b"B\n",)), RawHunk(4, 0, 5, 1, (b"e",))))


def test_binary_patch() -> None:
    assert parse_patch(b"diff --git a/x b/x\nindex 1..2 100644\nBinary files a/x and b/x differ\n") == (True, ())


def test_raw_and_patch_parts_pair_up_with_quoted_names() -> None:
    output = (
        b":100644 100644 " + b"1" * 40 + b" " + b"0" * 40 + b" M\0tab\there.txt\0"
        b":100644 100644 " + b"2" * 40 + b" " + b"2" * 40 + b" R100\0old name\0new name\0"
        b":100644 100644 " + b"3" * 40 + b" " + b"0" * 40 + b" M\0touched only\0"
        b"\0"
        b'diff --git "a/tab\\there.txt" "b/tab\\there.txt"\n@@ -1 +1 @@\n-a\n+b\n'
        b"diff --git a/old name b/new name\nsimilarity index 100%\nrename from old name\nrename to new name\n"
    )
    entries = parse_diff(output)
    assert [(e.status, e.path, e.old_path, e.hunks) for e in entries] == [
        ("M", "tab\there.txt", None, (RawHunk(1, 1, 1, 1, (b"b\n",)),)),
        ("R", "new name", "old name", ()),
    ]


def test_added_file_hunk_counts_lines_like_git() -> None:
    assert added_file_hunk(b"") is None
    assert added_file_hunk(b"a\nb") == RawHunk(0, 0, 1, 2, (b"a\n", b"b"))


def test_insertion_and_deletion_coordinates_follow_git(local: Sandbox) -> None:
    """Pure insertions name the base line they follow, pure deletions the new line they follow."""
    local.write("f.txt", "1\n2\n3\n4\n5\n")
    local.commit("base")
    local.write("f.txt", "0\n1\n2\n2.5\n3\n5\n")
    out = local.git("diff", "--histogram", "-U0", "--raw", "-p", "-z", "--no-abbrev", "HEAD").encode()
    (entry,) = parse_diff(out)
    coords = [(h.base_start, h.base_lines, h.new_start, h.new_lines) for h in entry.hunks]
    # "0" inserted before line 1, "2.5" after base line 2 (new line 4), "4" deleted after new line 5.
    assert coords == [(0, 0, 1, 1), (2, 0, 4, 1), (4, 1, 5, 0)]
