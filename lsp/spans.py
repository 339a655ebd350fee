"""Line spans moved by the edits an editor sends (LSP content changes), between two reports from the agent.

A span is a half-open range of 0-based lines ``[start, end)``; an empty span (``start == end``) is the point
just before line ``start`` (the place where the other side inserts, or this side deleted, lines). Shifting is
pure: the agent's fresh coordinates replace these as soon as they arrive.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from lsprotocol import types

from tandem.protocol import LineSpan


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int

    @classmethod
    def from_wire(cls, span: LineSpan) -> Span:
        """A 1-based ``[start, lines]`` span of the protocol as 0-based half-open lines."""
        first = max(span.start - 1, 0)
        return cls(first, first + span.lines)

    @property
    def empty(self) -> bool:
        return self.end <= self.start

    def contains(self, line: int) -> bool:
        """Whether ``line`` is highlighted: a line of the span, or for an empty span the line it stands before."""
        return self.start == line if self.empty else self.start <= line < self.end

    def lines_text(self) -> str:
        """1-based, as people read them: ``40-52``, ``7``, or ``before 12`` for an insertion point."""
        if self.empty:
            return f"before {self.start + 1}"
        if self.end - self.start == 1:
            return str(self.start + 1)
        return f"{self.start + 1}-{self.end}"


def _delta(change: types.TextDocumentContentChangePartial) -> int:
    removed = change.range.end.line - change.range.start.line
    return change.text.count("\n") - removed


def _at_or_before(a: types.Position, b: types.Position) -> bool:
    return (a.line, a.character) <= (b.line, b.character)


def _move_start(line: int, change: types.TextDocumentContentChangePartial) -> int:
    """Where the span that started at ``line`` (column 0) starts after the change."""
    point = types.Position(line=line, character=0)
    start, end = change.range.start, change.range.end
    if _at_or_before(end, point):  # the change is wholly before: the lines move by its line delta
        return line + _delta(change)
    if _at_or_before(point, start):  # wholly after the start: it stays
        return line
    return start.line  # the change swallowed the start: the span now starts where the change does


def _move_end(line: int, change: types.TextDocumentContentChangePartial) -> int:
    """Where the span that ended before ``line`` (column 0, exclusive) ends after the change."""
    point = types.Position(line=line, character=0)
    start, end = change.range.start, change.range.end
    if _at_or_before(point, start):  # the change is after the span (inserting at its end line's start too)
        return line
    if _at_or_before(end, point):  # before or inside: the end moves by the line delta
        return line + _delta(change)
    return start.line + change.text.count("\n") + 1  # it runs past the end: the span ends with its text


def shift(span: Span, change: types.TextDocumentContentChangeEvent) -> Span:
    """The span after one content change; a whole-document replacement cannot be followed and keeps it."""
    if not isinstance(change, types.TextDocumentContentChangePartial):
        return span
    if span.empty:
        point = _move_start(span.start, change)
        return Span(point, point)
    start = _move_start(span.start, change)
    return Span(start, max(_move_end(span.end, change), start))  # lines all deleted: the point where they were


def shift_all(spans: Sequence[Span], changes: Iterable[types.TextDocumentContentChangeEvent]) -> list[Span]:
    """Every span after the changes, applied in order (each is relative to the text the previous left)."""
    out = list(spans)
    for change in changes:
        out = [shift(s, change) for s in out]
    return out


def clamp(span: Span, line_count: int) -> Span:
    """Keep a span inside a document of ``line_count`` lines (at least one line is always addressable)."""
    last = max(line_count - 1, 0)
    start = min(span.start, last)
    end = min(span.end, last + 1)
    return Span(start, max(end, start) if not span.empty else start)
