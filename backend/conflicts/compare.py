"""Compare two sides' edits of one file: conflict (git's rule), overlap (shared symbol) or nearby."""

from __future__ import annotations

from collections.abc import Sequence

from backend.conflicts.findings import Region, Severity, Side, Verdict
from backend.conflicts.gitrule import new_span_of, sweep
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
    if edit.status is EditStatus.DELETED:
        base = _cover_base(hunks) if hunks else WHOLE
        return Side(base, EMPTY)
    if hunks:
        return Side(_cover_base(hunks), _cover_new(hunks))
    return _WHOLE_SIDE


def _single(severity: Severity, a: Side, b: Side) -> Verdict:
    return Verdict(severity, (Region(severity, a, b),))


def compare_hunks(a: Sequence[Hunk], b: Sequence[Hunk], a_to_b: LineMap | None = None) -> Verdict | None:
    """The line-level rules: git's conflict sweep, then shared symbols, then plain proximity."""
    own_a: _Mapped | None = None
    if a_to_b is not None and not a_to_b.identity:
        own_a = _Mapped(a, a_to_b)
        a = own_a.moved
    swept = sweep(a, b)
    if len(swept.identical_a) == len(a) or len(swept.identical_b) == len(b):
        return None  # one side has nothing the other did not make identically: nothing to tell
    regions: list[Region] = []
    used_a: set[int] = set(swept.identical_a)
    used_b: set[int] = set(swept.identical_b)
    for group in swept.groups:
        base = Span(group.start, group.end)
        if own_a is None:
            a_side = Side(base, Span(*new_span_of(a, group.a_first, group.a_last, group.start, group.end)))
        else:
            a_side = own_a.conflict_side(group.a_first, group.a_last, group.start, group.end)
        b_side = Side(base, Span(*new_span_of(b, group.b_first, group.b_last, group.start, group.end)))
        symbols = _common(a[group.a_first : group.a_last + 1], b[group.b_first : group.b_last + 1])
        regions.append(Region(Severity.CONFLICT, a_side, b_side, symbols))
        used_a.update(range(group.a_first, group.a_last + 1))
        used_b.update(range(group.b_first, group.b_last + 1))
    distinct_a = [i for i in range(len(a)) if i not in swept.identical_a]
    distinct_b = [j for j in range(len(b)) if j not in swept.identical_b]
    regions.extend(_overlaps(a, b, own_a, used_a, used_b))
    shared = _common([a[i] for i in distinct_a], [b[j] for j in distinct_b])
    if not regions:
        a_side = _cover_indexes(a, own_a, distinct_a)
        b_side = Side(_cover_base([b[j] for j in distinct_b]), _cover_new([b[j] for j in distinct_b]))
        return Verdict(Severity.NEARBY, (Region(Severity.NEARBY, a_side, b_side),), shared)
    regions.sort(key=lambda region: (region.b.base.start, region.b.base.end))
    severity = Severity.CONFLICT if swept.groups else Severity.OVERLAP
    return Verdict(severity, tuple(regions), shared)


def _overlaps(
    a: Sequence[Hunk], b: Sequence[Hunk], own_a: _Mapped | None, used_a: set[int], used_b: set[int]
) -> list[Region]:
    """One region per innermost shared symbol, over the hunks not already in a conflict or identical."""
    b_symbols: set[str] = set()
    for j, hunk in enumerate(b):
        if j not in used_b:
            b_symbols.update(hunk.symbols)
    if not b_symbols:
        return []
    a_by_symbol: dict[str, list[int]] = {}
    for i, hunk in enumerate(a):
        if i not in used_a:
            innermost = _innermost(hunk.symbols, b_symbols)
            if innermost is not None:
                a_by_symbol.setdefault(innermost, []).append(i)
    if not a_by_symbol:
        return []
    a_symbols = {symbol for i, hunk in enumerate(a) if i not in used_a for symbol in hunk.symbols}
    b_by_symbol: dict[str, list[int]] = {}
    for j, hunk in enumerate(b):
        if j not in used_b:
            innermost = _innermost(hunk.symbols, a_symbols)
            if innermost is not None:
                b_by_symbol.setdefault(innermost, []).append(j)
    regions = []
    for symbol, a_indexes in a_by_symbol.items():
        b_indexes = b_by_symbol.get(symbol)
        if b_indexes:
            b_hunks = [b[j] for j in b_indexes]
            a_side = _cover_indexes(a, own_a, a_indexes)
            regions.append(Region(Severity.OVERLAP, a_side, Side(_cover_base(b_hunks), _cover_new(b_hunks)), (symbol,)))
    return regions


def _innermost(symbols: tuple[str, ...], others: set[str]) -> str | None:
    for symbol in reversed(symbols):
        if symbol in others:
            return symbol
    return None


def _common(a: Sequence[Hunk], b: Sequence[Hunk]) -> tuple[str, ...]:
    a_symbols = {symbol for hunk in a for symbol in hunk.symbols}
    if not a_symbols:
        return ()
    return tuple(sorted(a_symbols.intersection(symbol for hunk in b for symbol in hunk.symbols)))


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

    def cover(self, indexes: list[int]) -> Side:
        own = self.hunks[self.origins[indexes[0]][0] : self.origins[indexes[-1]][1] + 1]
        return Side(_cover_base(own), _cover_new(own))


def _cover_indexes(hunks: Sequence[Hunk], own: _Mapped | None, indexes: list[int]) -> Side:
    if own is not None:
        return own.cover(indexes)
    chosen = [hunks[i] for i in indexes]
    return Side(_cover_base(chosen), _cover_new(chosen))


def _cover_base(hunks: Sequence[Hunk]) -> Span:
    return Span(min(h.start for h in hunks), max(h.end for h in hunks))


def _cover_new(hunks: Sequence[Hunk]) -> Span:
    return Span(min(h.new_start for h in hunks), max(h.new_end for h in hunks))
