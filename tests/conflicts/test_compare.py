"""Unit tests of the comparison rules on hand-made hunks: conflict regions, overlap, nearby, whole-file changes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from backend.conflicts import (
    WHOLE,
    EditStatus,
    FileEdit,
    Hunk,
    LineMap,
    Region,
    Severity,
    Side,
    Span,
    compare,
    compare_hunks,
)
from backend.conflicts.compare import _general
from backend.conflicts.gitrule import sweep
from tests.conflicts.strategies import hunk_lists


def change(start: int, end: int, new_start: int, new_end: int, text: str = "t", *symbols: str) -> Hunk:
    return Hunk(start, end, new_start, new_end, text, symbols)


def edit(*hunks: Hunk, status: EditStatus = EditStatus.MODIFIED, path: str = "f.py") -> FileEdit:
    return FileEdit(path=path, status=status, hunks=hunks)


def whole(content_hash: str | None = None) -> FileEdit:
    return FileEdit(path="logo.png", status=EditStatus.MODIFIED, hunks=None, content_hash=content_hash)


class TestGitRule:
    def test_touching_ranges_conflict(self) -> None:
        verdict = compare_hunks([change(1, 2, 1, 2, "A")], [change(2, 3, 2, 3, "B")])
        assert verdict is not None
        assert verdict.severity is Severity.CONFLICT
        assert verdict.regions == (
            Region(Severity.CONFLICT, Side(Span(1, 3), Span(1, 3)), Side(Span(1, 3), Span(1, 3))),
        )

    def test_one_line_apart_is_nearby(self) -> None:
        verdict = compare_hunks([change(1, 2, 1, 2, "A")], [change(3, 4, 3, 4, "B")])
        assert verdict is not None
        assert verdict.severity is Severity.NEARBY

    def test_insertions_at_the_same_point_conflict_unless_identical(self) -> None:
        assert sweep([change(2, 2, 2, 3, "x")], [change(2, 2, 2, 4, "y")]).groups
        same = sweep([change(2, 2, 2, 3, "x")], [change(2, 2, 2, 3, "x")])
        assert not same.groups
        assert same.identical_a == {0}

    def test_insertion_after_a_changed_range_conflicts(self) -> None:
        # Lines [1, 3) changed on one side; three lines inserted before base line 3 (right after) on the other.
        verdict = compare_hunks([change(1, 3, 1, 2, "A")], [change(3, 3, 3, 6, "B")])
        assert verdict is not None
        region = verdict.regions[0]
        assert region.a == Side(Span(1, 3), Span(1, 2))
        assert region.b == Side(Span(1, 3), Span(1, 6))

    def test_hunks_without_a_hash_are_never_identical(self) -> None:
        assert sweep([change(2, 3, 2, 3, "")], [change(2, 3, 2, 3, "")]).groups

    def test_same_range_and_text_but_different_length_is_not_identical(self) -> None:
        assert sweep([change(2, 3, 2, 3, "x")], [change(2, 3, 2, 4, "x")]).groups

    def test_a_chain_of_touching_hunks_is_one_region(self) -> None:
        a = [change(0, 2, 0, 2, "a1"), change(3, 5, 3, 5, "a2")]
        b = [change(2, 3, 2, 3, "b1")]
        swept = sweep(a, b)
        assert [(g.a_first, g.a_last, g.b_first, g.b_last, g.start, g.end) for g in swept.groups] == [
            (0, 1, 0, 0, 0, 5)
        ]

    def test_all_identical_gives_nothing(self) -> None:
        hunks = [change(0, 1, 0, 1, "x"), change(5, 6, 5, 7, "y")]
        assert compare_hunks(hunks, hunks) is None

    def test_identical_hunks_are_left_out_of_the_comparison(self) -> None:
        shared = change(0, 1, 0, 1, "x", "f")
        verdict = compare_hunks([shared, change(9, 10, 9, 10, "a", "g")], [shared, change(20, 21, 20, 21, "b", "h")])
        assert verdict is not None
        assert verdict.severity is Severity.NEARBY
        assert verdict.symbols == ()
        assert verdict.regions[0].a.base == Span(9, 10)


class TestSymbols:
    def test_shared_symbol_on_different_lines_is_an_overlap(self) -> None:
        a = [change(10, 11, 10, 11, "a", "Cart", "Cart.add")]
        b = [change(14, 15, 14, 16, "b", "Cart", "Cart.add")]
        verdict = compare_hunks(a, b)
        assert verdict is not None
        assert verdict.severity is Severity.OVERLAP
        assert verdict.symbols == ("Cart", "Cart.add")
        assert verdict.regions == (
            Region(Severity.OVERLAP, Side(Span(10, 11), Span(10, 11)), Side(Span(14, 15), Span(14, 16)), ("Cart.add",)),
        )

    def test_regions_follow_the_innermost_shared_symbol(self) -> None:
        a = [change(10, 11, 10, 11, "a", "Cart", "Cart.add"), change(30, 31, 30, 31, "a2", "Cart", "Cart.total")]
        b = [change(14, 15, 14, 15, "b", "Cart", "Cart.add"), change(40, 41, 40, 41, "b2", "Cart", "Cart.clear")]
        verdict = compare_hunks(a, b)
        assert verdict is not None
        assert [r.symbols for r in verdict.regions] == [("Cart.add",), ("Cart",)]

    def test_no_shared_symbol_is_nearby_with_covering_regions(self) -> None:
        a = [change(1, 2, 1, 2, "a", "parse"), change(5, 6, 5, 8, "a2", "parse")]
        b = [change(20, 20, 22, 23, "b", "main")]
        verdict = compare_hunks(a, b)
        assert verdict is not None
        assert verdict.severity is Severity.NEARBY
        assert verdict.regions == (
            Region(Severity.NEARBY, Side(Span(1, 6), Span(1, 8)), Side(Span(20, 20), Span(22, 23))),
        )

    def test_conflict_outranks_overlap_and_both_regions_are_kept(self) -> None:
        a = [change(1, 2, 1, 2, "a", "f"), change(10, 11, 10, 11, "a2", "g")]
        b = [change(2, 3, 2, 3, "b", "f"), change(13, 14, 13, 14, "b2", "g")]
        verdict = compare_hunks(a, b)
        assert verdict is not None
        assert verdict.severity is Severity.CONFLICT
        assert [r.severity for r in verdict.regions] == [Severity.CONFLICT, Severity.OVERLAP]
        assert verdict.regions[0].symbols == ("f",)


class TestFiles:
    def test_deleted_against_modified_is_a_conflict(self) -> None:
        deleted = edit(change(0, 12, 0, 0, "gone"), status=EditStatus.DELETED)
        verdict = compare(deleted, edit(change(3, 4, 3, 4, "x")))
        assert verdict is not None
        assert verdict.severity is Severity.CONFLICT
        assert verdict.regions[0].a == Side(Span(0, 12), Span(0, 0))
        assert verdict.regions[0].b == Side(Span(3, 4), Span(3, 4))

    def test_deleted_on_both_sides_is_nothing(self) -> None:
        assert compare(edit(status=EditStatus.DELETED), edit(status=EditStatus.DELETED)) is None

    def test_deleted_against_renamed_is_a_conflict(self) -> None:
        renamed = FileEdit(path="g.py", status=EditStatus.RENAMED, hunks=(), old_path="f.py")
        verdict = compare(renamed, edit(status=EditStatus.DELETED))
        assert verdict is not None
        assert verdict.severity is Severity.CONFLICT

    def test_renamed_to_two_names_is_a_conflict(self) -> None:
        one = FileEdit(path="g.py", status=EditStatus.RENAMED, hunks=(), old_path="f.py")
        two = FileEdit(path="h.py", status=EditStatus.RENAMED, hunks=(), old_path="f.py")
        verdict = compare(one, two)
        assert verdict is not None
        assert verdict.severity is Severity.CONFLICT
        assert one.key == two.key == "f.py"

    def test_renamed_and_modified_compare_by_lines(self) -> None:
        renamed = FileEdit(path="g.py", status=EditStatus.RENAMED, hunks=(change(1, 2, 1, 2, "a"),), old_path="f.py")
        verdict = compare(renamed, edit(change(8, 9, 8, 9, "b")))
        assert verdict is not None
        assert verdict.severity is Severity.NEARBY

    def test_whole_file_changes_conflict_unless_the_same_content(self) -> None:
        verdict = compare(whole("h1"), whole("h2"))
        assert verdict is not None
        assert verdict.severity is Severity.CONFLICT
        assert verdict.regions[0].a == Side(WHOLE, WHOLE)
        assert compare(whole("h1"), whole("h1")) is None
        unknown = compare(whole(), whole())
        assert unknown is not None
        assert unknown.severity is Severity.CONFLICT

    def test_whole_file_against_line_changes(self) -> None:
        conflict = compare(whole("h1"), edit(change(3, 4, 3, 4, "x")))
        assert conflict is not None
        assert conflict.severity is Severity.CONFLICT
        mode_only = compare(whole("h1"), edit())
        assert mode_only is not None
        assert mode_only.severity is Severity.NEARBY

    def test_added_files_compare_as_insertions_at_the_start(self) -> None:
        ours = edit(change(0, 0, 0, 3, "content-1"), status=EditStatus.ADDED)
        theirs = edit(change(0, 0, 0, 3, "content-2"), status=EditStatus.ADDED)
        verdict = compare(ours, theirs)
        assert verdict is not None
        assert verdict.severity is Severity.CONFLICT
        assert compare(ours, ours) is None
        assert compare(ours, edit(status=EditStatus.ADDED)) is None  # an empty file merges with anything


class TestMapped:
    def test_a_line_map_moves_a_sides_hunks_into_the_other_base(self) -> None:
        # Between the bases, 5 lines were inserted at the top: a's line 10 is b's line 15.
        line_map = LineMap([change(0, 0, 0, 5)])
        a = [change(10, 11, 10, 11, "a")]
        b = [change(15, 16, 15, 16, "b")]
        verdict = compare_hunks(a, b, line_map)
        assert verdict is not None
        assert verdict.severity is Severity.CONFLICT
        region = verdict.regions[0]
        assert region.a == Side(Span(10, 11), Span(10, 11))  # a's own lines, in a's base and file
        assert region.b == Side(Span(15, 16), Span(15, 16))
        assert compare_hunks(a, [change(10, 11, 10, 11, "b")], line_map) is not None
        unmapped = compare_hunks(a, [change(13, 14, 13, 14, "b")], line_map)
        assert unmapped is not None
        assert unmapped.severity is Severity.NEARBY

    def test_the_same_change_made_on_two_bases_is_still_identical(self) -> None:
        line_map = LineMap([change(0, 0, 0, 5)])
        assert compare_hunks([change(10, 11, 10, 11, "x")], [change(15, 16, 15, 16, "x")], line_map) is None

    def test_hunks_widened_into_each_other_become_one(self) -> None:
        # Base lines 2..8 were rewritten between the bases: both of a's hunks land on the rewritten block.
        line_map = LineMap([change(2, 8, 2, 4)])
        a = [change(3, 4, 3, 4, "a1", "f"), change(5, 6, 5, 6, "a2", "g")]
        verdict = compare_hunks(a, [change(3, 4, 3, 4, "b", "f")], line_map)
        assert verdict is not None
        assert verdict.severity is Severity.CONFLICT
        assert verdict.regions[0].a == Side(Span(2, 8), Span(2, 8))  # widened to the whole rewritten block


@settings(max_examples=300, derandomize=True, database=None)
@given(a=hunk_lists(), b=hunk_lists())
def test_comparison_is_symmetric(a: tuple[Hunk, ...], b: tuple[Hunk, ...]) -> None:
    forward = compare_hunks(a, b)
    backward = compare_hunks(b, a)
    if forward is None or backward is None:
        assert forward is backward
        return
    assert forward.severity is backward.severity
    assert forward.symbols == backward.symbols
    flip = sorted((r.severity, r.b, r.a, r.symbols) for r in forward.regions if r.severity is Severity.CONFLICT)
    back = sorted((r.severity, r.a, r.b, r.symbols) for r in backward.regions if r.severity is Severity.CONFLICT)
    assert flip == back


@settings(max_examples=200, derandomize=True, database=None)
@given(a=hunk_lists(), b=hunk_lists(), offset=st.integers(0, 5))
def test_identity_map_changes_nothing(a: tuple[Hunk, ...], b: tuple[Hunk, ...], offset: int) -> None:
    assert compare_hunks(a, b, LineMap()) == compare_hunks(a, b)
    # b's base has `offset` more lines at the top than a's; nothing of a's touches them (a starts at line 1).
    a = tuple(Hunk(h.start + 1, h.end + 1, h.new_start + 1, h.new_end + 1, h.hash, h.symbols) for h in a)
    moved_b = tuple(
        Hunk(h.start + 1 + offset, h.end + 1 + offset, h.new_start + 1, h.new_end + 1, h.hash, h.symbols) for h in b
    )
    plain_b = tuple(Hunk(h.start + 1, h.end + 1, h.new_start + 1, h.new_end + 1, h.hash, h.symbols) for h in b)
    plain = compare_hunks(a, plain_b)
    mapped = compare_hunks(a, moved_b, LineMap([Hunk(0, 0, 0, offset)]) if offset else None)
    assert (plain is None) == (mapped is None)
    if plain is not None and mapped is not None:
        assert plain.severity is mapped.severity
        assert [(r.severity, r.a) for r in plain.regions] == [(r.severity, r.a) for r in mapped.regions]


@settings(max_examples=500)
@given(a=hunk_lists(max_hunks=1), b=hunk_lists(max_hunks=1), far=st.integers(0, 3))
def test_one_hunk_each_takes_a_shortcut_to_the_same_verdict(a: tuple[Hunk, ...], b: tuple[Hunk, ...], far: int) -> None:
    # Moving b by 0-3 lines makes touching, overlapping, identical and apart pairs all likely.
    b = tuple(Hunk(h.start + far, h.end + far, h.new_start + far, h.new_end + far, h.hash, h.symbols) for h in b)
    if len(a) == 1 and len(b) == 1:
        assert compare_hunks(a, b) == _general(a, b, None)
