"""git's three-way merge rule over two sides' hunks, as xdiff's ``xdl_do_merge`` applies it (see docs/conflicts.md)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from backend.conflicts.model import Hunk


@dataclass(frozen=True, slots=True)
class Group:
    """One conflict: hunks ``a[a_first..a_last]`` and ``b[b_first..b_last]`` over base lines ``[start, end)``."""

    a_first: int
    a_last: int
    b_first: int
    b_last: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Sweep:
    groups: tuple[Group, ...]
    """The conflicts, in base order: one per conflict block git writes (with the diff3 style)."""
    identical_a: frozenset[int]
    """Indexes of a's hunks that b made identically (git takes them silently)."""
    identical_b: frozenset[int]


_NONE: frozenset[int] = frozenset()


def identical(x: Hunk, y: Hunk) -> bool:
    """Same base range, same new text: git's ``xdl_merge_cmp_lines`` check, through the keyed hash."""
    return (
        x.start == y.start
        and x.end == y.end
        and x.new_end - x.new_start == y.new_end - y.new_start
        and x.hash == y.hash
        and x.hash != ""
    )


def sweep(a: Sequence[Hunk], b: Sequence[Hunk]) -> Sweep:
    """Walk both sides' hunks (sorted, separated by at least one unchanged line) the way xdiff does.

    Two hunks conflict when they overlap or touch: neither ends strictly before the other starts, so a
    change ending at line k and one starting at k conflict, and so do two insertions at the same point.
    Identical hunks are skipped. Conflicting pairs that share a hunk form one group, as xdiff merges them.
    """
    groups: list[Group] = []
    same_a: set[int] = set()
    same_b: set[int] = set()
    i = j = 0
    n, m = len(a), len(b)
    # The group being built, kept as loose ints: this loop is the engine's hot path.
    open_group = False
    g_a_first = g_a_last = g_b_first = g_b_last = g_start = g_end = 0
    while i < n and j < m:
        x = a[i]
        y = b[j]
        if x.end < y.start:
            i += 1
            continue
        if y.end < x.start:
            j += 1
            continue
        if identical(x, y):
            same_a.add(i)
            same_b.add(j)
        elif open_group and (g_a_last == i or g_b_last == j):
            g_a_last = i
            g_b_last = j
            g_start = min(g_start, x.start, y.start)
            g_end = max(g_end, x.end, y.end)
        else:
            if open_group:
                groups.append(Group(g_a_first, g_a_last, g_b_first, g_b_last, g_start, g_end))
            open_group = True
            g_a_first = g_a_last = i
            g_b_first = g_b_last = j
            g_start = min(x.start, y.start)
            g_end = max(x.end, y.end)
        if x.end >= y.end:
            j += 1
        if y.end >= x.end:
            i += 1
    if open_group:
        groups.append(Group(g_a_first, g_a_last, g_b_first, g_b_last, g_start, g_end))
    if not same_a:
        return Sweep(tuple(groups), _NONE, _NONE)
    return Sweep(tuple(groups), frozenset(same_a), frozenset(same_b))


def new_span_of(hunks: Sequence[Hunk], first: int, last: int, start: int, end: int) -> tuple[int, int]:
    """The lines of base ``[start, end)`` in this side's file, given its hunks ``first..last`` inside it.

    The region's edges outside the side's own hunks are lines that side left unchanged, so they shift
    by the same amount as the nearest hunk (xdiff's ``i1``/``chg1`` of a conflict).
    """
    head = hunks[first]
    tail = hunks[last]
    return head.new_start - (head.start - start), tail.new_end + (end - tail.end)
