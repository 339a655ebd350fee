"""Line maps between two base commits of one file, and the port the engine asks for them."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from typing import Protocol

from backend.conflicts.model import Hunk, Span


class LineMap:
    """Maps base-A lines to base-B lines through the hunks of the diff from A to B (identity when empty).

    A span that overlaps or touches a line the A-to-B diff changed is widened to cover that change's
    lines in B: the lines are still compared exactly, only more of them.
    """

    __slots__ = ("_ends", "_hunks", "_inverse", "_shift_before")

    def __init__(self, hunks: Iterable[Hunk] = ()) -> None:
        self._hunks = sorted(hunks, key=lambda h: (h.start, h.end))
        self._ends = [h.end for h in self._hunks]
        shift = 0
        self._shift_before = []
        for hunk in self._hunks:
            self._shift_before.append(shift)
            shift += (hunk.new_end - hunk.new_start) - (hunk.end - hunk.start)
        self._shift_before.append(shift)
        self._inverse: LineMap | None = None

    @property
    def identity(self) -> bool:
        return not self._hunks

    def inverse(self) -> LineMap:
        """The map from B back to A."""
        if self._inverse is None:
            self._inverse = LineMap(Hunk(h.new_start, h.new_end, h.start, h.end) for h in self._hunks)
            self._inverse._inverse = self
        return self._inverse

    def span(self, start: int, end: int) -> Span:
        hunks = self._hunks
        first = bisect_left(self._ends, start)  # first hunk that ends at or after start: may touch
        last = first
        while last < len(hunks) and hunks[last].start <= end:
            last += 1
        shift = self._shift_before[first]
        if last == first:
            return Span(start + shift, end + shift)
        head, tail = hunks[first], hunks[last - 1]
        return Span(min(start + shift, head.new_start), max(end + self._shift_before[last], tail.new_end))

    def hunk(self, hunk: Hunk) -> Hunk:
        """The hunk with its base range moved into B (its new-side lines stay the working copy's)."""
        mapped = self.span(hunk.start, hunk.end)
        return Hunk(mapped.start, mapped.end, hunk.new_start, hunk.new_end, hunk.hash, hunk.symbols)


class BaseMaps(Protocol):
    """Where the engine gets line maps when two sides have different base commits (e.g. a git-backed cache)."""

    def line_map(self, repo: str, path: str, from_base: str, to_base: str) -> LineMap | None:
        """The map of ``path`` from one base to the other, or None when not (yet) known."""


class StaticBaseMaps:
    """Line maps given up front; each one also answers the opposite direction."""

    def __init__(self) -> None:
        self._maps: dict[tuple[str, str, str, str], LineMap] = {}

    def add(self, repo: str, path: str, from_base: str, to_base: str, hunks: Iterable[Hunk]) -> None:
        forward = LineMap(hunks)
        self._maps[(repo, path, from_base, to_base)] = forward
        self._maps[(repo, path, to_base, from_base)] = forward.inverse()

    def line_map(self, repo: str, path: str, from_base: str, to_base: str) -> LineMap | None:
        return self._maps.get((repo, path, from_base, to_base))
