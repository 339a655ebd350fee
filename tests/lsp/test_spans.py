"""Line spans follow LSP content changes: before, inside, after, across, whole-document replacements."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lsprotocol import types

from lsp.spans import Span, clamp, shift, shift_all
from tandem.protocol import LineSpan


def change(start: tuple[int, int], end: tuple[int, int], text: str) -> types.TextDocumentContentChangePartial:
    return types.TextDocumentContentChangePartial(
        range=types.Range(
            start=types.Position(line=start[0], character=start[1]),
            end=types.Position(line=end[0], character=end[1]),
        ),
        text=text,
    )


SPAN = Span(10, 13)  # lines 10, 11, 12


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        # wholly before: moved by the line delta
        (change((0, 0), (0, 0), "a\nb\n"), Span(12, 15)),
        (change((2, 0), (5, 0), ""), Span(7, 10)),
        (change((3, 4), (3, 4), "x"), Span(10, 13)),  # no newline: nothing moves
        (change((10, 0), (10, 0), "new\n"), Span(11, 14)),  # a line inserted at the span's first column
        # inside: the end moves
        (change((11, 2), (11, 2), "\n\n"), Span(10, 15)),
        (change((11, 0), (12, 0), ""), Span(10, 12)),
        (change((12, 9), (12, 9), "\nmore"), Span(10, 14)),  # Enter at the end of the last line
        # after: nothing moves
        (change((13, 0), (13, 0), "after\n"), Span(10, 13)),
        (change((20, 0), (25, 0), ""), Span(10, 13)),
        # across the start: the span starts where the change does
        (change((8, 3), (11, 0), "z"), Span(8, 10)),
        # across the end: the span ends with the change's text
        (change((12, 2), (15, 0), "a\nb"), Span(10, 14)),
        # the span's lines deleted: the point where they were
        (change((10, 0), (13, 0), ""), Span(10, 10)),
        # swallowed by a larger replacement
        (change((5, 0), (20, 0), "one\ntwo\n"), Span(5, 8)),
    ],
)
def test_a_change_moves_a_span(edit: types.TextDocumentContentChangePartial, expected: Span) -> None:
    assert shift(SPAN, edit) == expected


def test_points_move_with_what_is_before_them() -> None:
    point = Span(10, 10)
    assert shift(point, change((0, 0), (0, 0), "a\n")) == Span(11, 11)
    assert shift(point, change((10, 0), (10, 0), "a\n")) == Span(11, 11)
    assert shift(point, change((12, 0), (12, 0), "a\n")) == Span(10, 10)
    assert shift(point, change((9, 1), (11, 0), "")) == Span(9, 9)


def test_a_whole_document_replacement_is_not_followed() -> None:
    assert shift(SPAN, types.TextDocumentContentChangeWholeDocument(text="x\n")) == SPAN


def test_changes_apply_in_order() -> None:
    typed = [change((0, 0), (0, 0), "a\n"), change((0, 0), (1, 0), ""), change((11, 0), (11, 0), "b\nc\n")]
    assert shift_all([SPAN, Span(30, 31)], typed) == [Span(10, 15), Span(32, 33)]


def test_wire_spans_and_their_text() -> None:
    assert Span.from_wire(LineSpan(start=41, lines=12)) == Span(40, 52)
    assert Span.from_wire(LineSpan(start=41, lines=0)) == Span(40, 40)
    assert Span(39, 52).lines_text() == "40-52"
    assert Span(6, 7).lines_text() == "7"
    assert Span(11, 11).lines_text() == "before 12"
    assert Span(11, 11).contains(11)
    assert not Span(11, 11).contains(10)
    assert Span(3, 5).contains(4)
    assert not Span(3, 5).contains(5)


def test_clamp_keeps_spans_inside_the_document() -> None:
    assert clamp(Span(8, 12), 10) == Span(8, 10)
    assert clamp(Span(15, 20), 10) == Span(9, 10)
    assert clamp(Span(15, 15), 10) == Span(9, 9)
    assert clamp(Span(0, 3), 0) == Span(0, 1)


def apply(lines: list[str], edit: types.TextDocumentContentChangePartial) -> list[str]:
    text = "".join(lines)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    start = offsets[edit.range.start.line] + edit.range.start.character
    end = offsets[edit.range.end.line] + edit.range.end.character
    return (text[:start] + edit.text + text[end:]).splitlines(keepends=True)


@st.composite
def document_and_edit(draw: st.DrawFn) -> tuple[list[str], int, int, types.TextDocumentContentChangePartial]:
    count = draw(st.integers(3, 12))
    lines = [f"line{i}\n" for i in range(count)]
    first = draw(st.integers(0, count - 1))
    last = draw(st.integers(first + 1, count))
    a = draw(st.integers(0, count - 1))
    b = draw(st.integers(a, count - 1))
    ca = draw(st.integers(0, len(lines[a]) - 1))
    cb = draw(st.integers(0, len(lines[b]) - 1)) if b > a else draw(st.integers(ca, len(lines[b]) - 1))
    text = draw(st.sampled_from(["", "x", "\n", "x\n", "a\nb\n", "\nz"]))
    return lines, first, last, change((a, ca), (b, cb), text)


@given(document_and_edit())
def test_untouched_lines_stay_flagged(case: tuple[list[str], int, int, types.TextDocumentContentChangePartial]) -> None:
    """Property: a span's lines that the change did not touch are still inside the moved span, same text."""
    lines, first, last, edit = case
    moved = shift(Span(first, last), edit)
    after = apply(lines, edit)
    a, b = edit.range.start.line, edit.range.end.line
    untouched = [i for i in range(first, last) if i < a or i > b]
    for i in untouched:
        new_index = i if i < a else i + edit.text.count("\n") - (b - a)
        assert after[new_index] == lines[i]
        assert moved.start <= new_index < moved.end
