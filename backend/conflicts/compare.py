"""Compare two sides' edits of one file: conflict (git's rule), overlap (shared symbol) or nearby."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from backend.conflicts.findings import Region, Severity, Side, Verdict
from backend.conflicts.gitrule import identical, new_span_of, sweep
from backend.conflicts.linemap import LineMap
from backend.conflicts.model import EMPTY, WHOLE, EditStatus, FileEdit, Hunk, Span

_WHOLE_SIDE = Side(WHOLE, WHOLE)


def compare(a: FileEdit, b: FileEdit, a_to_b: LineMap | None = None) -> Verdict | None:
    """What ``a`` and ``b`` (edits of the same base file) mean for each other; None when nothing at all.

    ``a_to_b`` maps a's base lines to b's when their base commits differ; without it lines are compared
    as they are (the caller marks the result approximate).
    """
    if a.status is EditStatus.DELETED or b.status is EditStatus.DELETED:
        return _deleted(a, b)
    if a.status is EditStatus.RENAMED and b.status is EditStatus.RENAMED and a.path != b.path:
        # rename/rename to two names: git stops whatever the contents.
        return _single(Severity.CONFLICT, _whole_side(a), _whole_side(b))
    if a.hunks is None or b.hunks is None:
        return _whole(a, b)
    return compare_hunks(a.hunks, b.hunks, a_to_b)


def _deleted(a: FileEdit, b: FileEdit) -> Verdict | None:
    if a.status is b.status:
        return None  # both deleted it: git agrees with itself
    return _single(Severity.CONFLICT, _whole_side(a), _whole_side(b))  # modify/delete, rename/delete


def _whole(a: FileEdit, b: FileEdit) -> Verdict | None:
    if a.hunks is None and b.hunks is None:
        if a.content_hash is not None and a.content_hash == b.content_hash:
            return None
        return _single(Severity.CONFLICT, _WHOLE_SIDE, _WHOLE_SIDE)
    other = a.hunks if a.hunks is not None else b.hunks
    severity = Severity.CONFLICT if other else Severity.NEARBY  # no line changed (rename, mode): merges
    return _single(severity, _whole_side(a), _whole_side(b))


def _whole_side(edit: FileEdit) -> Side:
    """A side that counts as the whole file: the lines it knows about, else every line."""
    hunks = edit.hunks
    if not hunks:
        return Side(WHOLE, EMPTY) if edit.status is EditStatus.DELETED else _WHOLE_SIDE
    side = _cover(hunks, None, [0, len(hunks) - 1])
    return Side(side.base, EMPTY) if edit.status is EditStatus.DELETED else side


def _single(severity: Severity, a: Side, b: Side) -> Verdict:
    return Verdict(severity, (Region(severity, a, b),))


def compare_hunks(a: Sequence[Hunk], b: Sequence[Hunk], a_to_b: LineMap | None = None) -> Verdict | None:
    """The line-level rules: git's conflict sweep, then shared symbols, then plain proximity.

    Both sides' hunks are sorted and apart (as any diff gives them), so a run of them is covered by its
    first and last hunk.
    """
    mapped: _Mapped | None = None
    if a_to_b is not None and not a_to_b.identity:
        mapped = _Mapped(a, a_to_b)
        a = mapped.moved
    elif len(a) == 1 and len(b) == 1:
        return _one_each(a[0], b[0])
    return _general(a, b, mapped)


def _one_each(x: Hunk, y: Hunk) -> Verdict | None:
    """:func:`compare_hunks` for one hunk on each side, the usual case (one edit against one), with less work.

    The same rules as :func:`_general`, which a property test holds it to.
    """
    if x.end < y.start or y.end < x.start:  # apart: an overlap (a shared innermost symbol) or nearby
        shared = _shared(x.symbols, y.symbols)
        side_x, side_y = _cover((x,), None, (0,)), _cover((y,), None, (0,))
        if shared:
            symbol = _innermost(x.symbols, set(y.symbols))
            if symbol is not None and symbol == _innermost(y.symbols, set(x.symbols)):
                return Verdict(Severity.OVERLAP, (Region(Severity.OVERLAP, side_x, side_y, (symbol,)),), shared)
        return Verdict(Severity.NEARBY, (Region(Severity.NEARBY, side_x, side_y),), shared)
    if identical(x, y):
        return None  # git takes the same change from both sides silently
    start, end = min(x.start, y.start), max(x.end, y.end)
    base = Span(start, end)
    new_x = Span(*new_span_of((x,), 0, 0, start, end))
    new_y = Span(*new_span_of((y,), 0, 0, start, end))
    shared = _shared(x.symbols, y.symbols)
    region = Region(Severity.CONFLICT, Side(base, new_x), Side(base, new_y), shared)
    return Verdict(Severity.CONFLICT, (region,), shared)


def _shared(x: tuple[str, ...], y: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted(set(x).intersection(y))) if x and y else ()


def _general(a: Sequence[Hunk], b: Sequence[Hunk], mapped: _Mapped | None) -> Verdict | None:
    """Any number of hunks on each side; ``a`` already moved into b's base when ``mapped``."""
    swept = sweep(a, b)
    same_a, same_b = swept.identical_a, swept.identical_b
    if len(same_a) == len(a) or len(same_b) == len(b):
        return None  # one side has nothing the other did not make identically: nothing to tell
    distinct_a = [i for i in range(len(a)) if i not in same_a] if same_a else range(len(a))
    distinct_b = [j for j in range(len(b)) if j not in same_b] if same_b else range(len(b))
    symbols_a = _symbols(a, distinct_a)
    symbols_b = _symbols(b, distinct_b)
    shared = tuple(sorted(symbols_a & symbols_b)) if symbols_a and symbols_b else ()
    if not swept.groups:
        if shared:
            overlaps = _overlaps(a, b, mapped, distinct_a, distinct_b, symbols_a, symbols_b)
            if overlaps:
                return Verdict(Severity.OVERLAP, tuple(overlaps), shared)
        region = Region(Severity.NEARBY, _cover(a, mapped, distinct_a), _cover(b, None, distinct_b))
        return Verdict(Severity.NEARBY, (region,), shared)

    regions: list[Region] = []
    used_a: set[int] = set()
    used_b: set[int] = set()
    for group in swept.groups:
        base = Span(group.start, group.end)
        if mapped is None:
            a_side = Side(base, Span(*new_span_of(a, group.a_first, group.a_last, group.start, group.end)))
        else:
            a_side = mapped.conflict_side(group.a_first, group.a_last, group.start, group.end)
        b_side = Side(base, Span(*new_span_of(b, group.b_first, group.b_last, group.start, group.end)))
        group_a = range(group.a_first, group.a_last + 1)
        group_b = range(group.b_first, group.b_last + 1)
        common = _symbols(a, group_a) & _symbols(b, group_b) if shared else set()
        regions.append(Region(Severity.CONFLICT, a_side, b_side, tuple(sorted(common))))
        used_a.update(group_a)
        used_b.update(group_b)
    if shared:
        free_a = [i for i in distinct_a if i not in used_a]
        free_b = [j for j in distinct_b if j not in used_b]
        if free_a and free_b:
            regions.extend(_overlaps(a, b, mapped, free_a, free_b, _symbols(a, free_a), _symbols(b, free_b)))
            regions.sort(key=lambda region: (region.b.base.start, region.b.base.end))
    return Verdict(Severity.CONFLICT, tuple(regions), shared)


def _symbols(hunks: Sequence[Hunk], indexes: Iterable[int]) -> set[str]:
    found: set[str] = set()
    for i in indexes:
        symbols = hunks[i].symbols
        if symbols:
            found.update(symbols)
    return found


def _overlaps(
    a: Sequence[Hunk],
    b: Sequence[Hunk],
    mapped: _Mapped | None,
    free_a: Sequence[int],
    free_b: Sequence[int],
    symbols_a: set[str],
    symbols_b: set[str],
) -> list[Region]:
    """One region per innermost shared symbol, over the hunks not already in a conflict or identical."""
    a_by_symbol: dict[str, list[int]] = {}
    for i in free_a:
        innermost = _innermost(a[i].symbols, symbols_b)
        if innermost is not None:
            a_by_symbol.setdefault(innermost, []).append(i)
    b_by_symbol: dict[str, list[int]] = {}
    for j in free_b:
        innermost = _innermost(b[j].symbols, symbols_a)
        if innermost is not None:
            b_by_symbol.setdefault(innermost, []).append(j)
    regions = []
    for symbol, a_indexes in a_by_symbol.items():
        b_indexes = b_by_symbol.get(symbol)
        if b_indexes:
            side_a = _cover(a, mapped, a_indexes)
            regions.append(Region(Severity.OVERLAP, side_a, _cover(b, None, b_indexes), (symbol,)))
    regions.sort(key=lambda region: (region.b.base.start, region.b.base.end))
    return regions


def _innermost(symbols: tuple[str, ...], others: set[str]) -> str | None:
    for symbol in reversed(symbols):
        if symbol in others:
            return symbol
    return None


def _cover(hunks: Sequence[Hunk], mapped: _Mapped | None, indexes: Sequence[int]) -> Side:
    """The lines from the first to the last of these hunks (in the side's own base when it was mapped)."""
    if mapped is not None:
        hunks = mapped.hunks
        first, last = mapped.origins[indexes[0]][0], mapped.origins[indexes[-1]][1]
    else:
        first, last = indexes[0], indexes[-1]
    head, tail = hunks[first], hunks[last]
    return Side(Span(head.start, tail.end), Span(head.new_start, tail.new_end))


class _Mapped:
    """A side's hunks moved into the other side's base, merged where widening made them meet.

    Its own lines are kept so that regions can show them in its own base and working copy.
    """

    __slots__ = ("_line_map", "hunks", "moved", "origins")

    def __init__(self, hunks: Sequence[Hunk], line_map: LineMap) -> None:
        self.hunks = hunks
        self._line_map = line_map
        self.moved: list[Hunk] = []
        self.origins: list[tuple[int, int]] = []
        for index, hunk in enumerate(hunks):
            target = line_map.hunk(hunk)
            if self.moved and self.moved[-1].end >= target.start:
                last = self.moved[-1]
                symbols = last.symbols + tuple(s for s in target.symbols if s not in last.symbols)
                self.moved[-1] = Hunk(
                    last.start, max(last.end, target.end), last.new_start, target.new_end, "", symbols
                )
                self.origins[-1] = (self.origins[-1][0], index)
            else:
                self.moved.append(target)
                self.origins.append((index, index))

    def conflict_side(self, first: int, last: int, start: int, end: int) -> Side:
        """The conflict's lines ``[start, end)`` of the other base, taken back to this side's base and file."""
        head, tail = self.origins[first][0], self.origins[last][1]
        back = self._line_map.inverse().span(start, end)
        base = Span(min(back.start, self.hunks[head].start), max(back.end, self.hunks[tail].end))
        return Side(base, Span(*new_span_of(self.hunks, head, tail, base.start, base.end)))
