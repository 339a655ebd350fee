"""Hypothesis strategies: small three-way merge cases where collisions are likely, and engine-level hunks."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

from backend.conflicts import Hunk

# Few distinct lines, so that diffs have to choose between equal lines and sides collide often.
LINE = st.sampled_from(["a", "b", "c", "x", "y"])
KEEP, DELETE, REPLACE = "keep", "delete", "replace"


@dataclass(frozen=True)
class Plan:
    """How one side edits the base: an action per base line, and lines inserted in each of the n+1 gaps."""

    actions: tuple[tuple[str, tuple[str, ...]], ...]
    inserts: tuple[tuple[str, ...], ...]

    def apply(self, base: list[str]) -> list[str]:
        out = list(self.inserts[0])
        for line, (action, lines), inserted in zip(base, self.actions, self.inserts[1:], strict=True):
            if action == KEEP:
                out.append(line)
            elif action == REPLACE:
                out.extend(lines)
            out.extend(inserted)
        return out


@dataclass(frozen=True)
class MergeCase:
    base: bytes
    ours: bytes
    theirs: bytes


def render(lines: list[str], final_newline: bool) -> bytes:
    text = "".join(line + "\n" for line in lines)
    if lines and not final_newline:
        text = text[:-1]
    return text.encode()


_action = st.one_of(
    st.just((KEEP, ())),
    st.just((KEEP, ())),
    st.just((DELETE, ())),
    st.tuples(st.just(REPLACE), st.lists(LINE, min_size=1, max_size=3).map(tuple)),
)
_insert = st.one_of(st.just(()), st.just(()), st.just(()), st.lists(LINE, min_size=1, max_size=2).map(tuple))


@st.composite
def plans(draw: st.DrawFn, size: int) -> Plan:
    actions = draw(st.lists(_action, min_size=size, max_size=size))
    inserts = draw(st.lists(_insert, min_size=size + 1, max_size=size + 1))
    return Plan(tuple(actions), tuple(inserts))


@st.composite
def related_plan(draw: st.DrawFn, ours: Plan) -> Plan:
    """A plan that often repeats ours' edits slot by slot: identical changes, partly identical hunks."""
    own = draw(plans(len(ours.actions)))
    pick = st.sampled_from(["same", "same", "own", "keep"])
    actions = []
    for mine, other in zip(ours.actions, own.actions, strict=True):
        choice = draw(pick)
        actions.append(mine if choice == "same" else other if choice == "own" else (KEEP, ()))
    inserts = []
    for mine_gap, other_gap in zip(ours.inserts, own.inserts, strict=True):
        choice = draw(pick)
        inserts.append(mine_gap if choice == "same" else other_gap if choice == "own" else ())
    return Plan(tuple(actions), tuple(inserts))


@st.composite
def merge_cases(draw: st.DrawFn) -> MergeCase:
    base = draw(st.lists(LINE, max_size=8))
    ours = draw(plans(len(base)))
    theirs = draw(st.one_of(plans(len(base)), related_plan(ours)))
    newline = st.sampled_from([True, True, True, False])
    return MergeCase(
        base=render(base, draw(newline)),
        ours=render(ours.apply(base), draw(newline)),
        theirs=render(theirs.apply(base), draw(newline)),
    )


SYMBOL = st.sampled_from(["Cart", "Cart.add", "Cart.total", "parse", "main"])


@st.composite
def hunk_lists(draw: st.DrawFn, max_hunks: int = 6) -> tuple[Hunk, ...]:
    """Engine hunks as a diff could produce them: sorted, at least one unchanged line apart."""
    hunks: list[Hunk] = []
    line = shift = 0
    for _ in range(draw(st.integers(0, max_hunks))):
        line += draw(st.integers(1 if hunks else 0, 4))
        removed = draw(st.integers(0, 3))
        added = draw(st.integers(0 if removed else 1, 3))
        text = draw(st.sampled_from(["h1", "h2", "h3"]))
        symbols = tuple(draw(st.lists(SYMBOL, max_size=2, unique=True)))
        hunks.append(Hunk(line, line + removed, line + shift, line + shift + added, text, symbols))
        line += removed
        shift += added - removed
    return tuple(hunks)
