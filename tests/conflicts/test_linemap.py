"""Line maps between two base commits: exact outside the changed lines, widened over them."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from backend.conflicts import Hunk, LineMap, Span, StaticBaseMaps
from tests.conflicts.strategies import hunk_lists

# From base A to base B: 2 lines inserted before line 3, lines [10, 12) replaced by one line.
MAP = LineMap([Hunk(3, 3, 3, 5), Hunk(10, 12, 12, 13)])


def test_lines_before_after_and_between_changes_shift_exactly() -> None:
    assert MAP.span(0, 2) == Span(0, 2)
    assert MAP.span(5, 7) == Span(7, 9)
    assert MAP.span(14, 15) == Span(15, 16)


def test_spans_touching_a_change_are_widened_over_it() -> None:
    assert MAP.span(2, 3) == Span(2, 5)  # ends where the insertion is: includes the inserted lines
    assert MAP.span(3, 4) == Span(3, 6)
    assert MAP.span(11, 11) == Span(12, 13)
    assert MAP.span(9, 10) == Span(11, 13)


def test_the_inverse_maps_back() -> None:
    back = MAP.inverse()
    assert back.span(7, 9) == Span(5, 7)
    assert back.inverse() is MAP
    assert LineMap().identity
    assert not MAP.identity


def test_static_maps_answer_both_directions() -> None:
    maps = StaticBaseMaps()
    maps.add("repo", "a.py", "c1", "c2", [Hunk(0, 0, 0, 5)])
    forward = maps.line_map("repo", "a.py", "c1", "c2")
    backward = maps.line_map("repo", "a.py", "c2", "c1")
    assert forward is not None
    assert backward is not None
    assert forward.span(10, 11) == Span(15, 16)
    assert backward.span(15, 16) == Span(10, 11)
    assert maps.line_map("repo", "b.py", "c1", "c2") is None


@settings(max_examples=200, derandomize=True, database=None)
@given(diff=hunk_lists(), start=st.integers(0, 30), length=st.integers(0, 5))
def test_mapped_spans_are_ordered_and_untouched_spans_round_trip(
    diff: tuple[Hunk, ...], start: int, length: int
) -> None:
    line_map = LineMap(diff)
    span = line_map.span(start, start + length)
    assert span.start <= span.end
    touched = any(h.start <= start + length and h.end >= start for h in diff)
    if not touched:
        assert span.end - span.start == length
        assert line_map.inverse().span(span.start, span.end) == Span(start, start + length)
