"""Property tests of the engine's bookkeeping: any sequence of updates ends where a fresh engine would start."""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st

from backend.conflicts import (
    ChangeKind,
    ConflictEngine,
    EditStatus,
    FileEdit,
    Finding,
    FindingChange,
    Hunk,
    Participant,
)
from tests.conflicts.strategies import hunk_lists

REPO = "example.com/team/app"
PEOPLE = [Participant("ann", "a"), Participant("ben", "b"), Participant("ann", "c"), Participant("cat", "d")]
PATHS = ["a.py", "b.py", "c.py"]
BASES = ["c1", "c2"]

_files = st.dictionaries(st.sampled_from(PATHS), hunk_lists(max_hunks=4), max_size=3)
Op = tuple[str, Participant, str, dict[str, tuple[Hunk, ...]], list[str]]
_op: st.SearchStrategy[Op] = st.tuples(
    st.sampled_from(["snapshot", "delta", "delta", "delta", "remove", "land"]),
    st.sampled_from(PEOPLE),
    st.sampled_from(BASES),
    _files,
    st.lists(st.sampled_from(PATHS), max_size=2),
)


@dataclass
class Model:
    """What each participant should have after the operations: base and files."""

    bases: dict[Participant, str] = field(default_factory=dict)
    files: dict[Participant, dict[str, tuple[Hunk, ...]]] = field(default_factory=dict)


def edits(files: dict[str, tuple[Hunk, ...]]) -> list[FileEdit]:
    return [FileEdit(path, EditStatus.MODIFIED, hunks) for path, hunks in sorted(files.items())]


def apply(engine: ConflictEngine, model: Model, op: Op) -> list[FindingChange]:
    kind, who, base, files, removed = op
    if kind == "snapshot":
        model.bases[who] = base
        model.files[who] = dict(files)
        return engine.apply_snapshot(who, REPO, base=base, files=edits(files))
    if kind == "delta":
        mine = model.files.setdefault(who, {})
        for path in removed:
            mine.pop(path, None)
        mine.update(files)
        model.bases[who] = base
        return engine.apply_delta(who, REPO, base=base, changed=edits(files), removed=removed)
    model.files.pop(who, None)
    return engine.remove_participant(who) if kind == "remove" else engine.land(who, REPO)


def content(findings: list[Finding]) -> list[tuple[object, ...]]:
    return [(f.id, f.a, f.b, f.path, f.severity, f.regions, f.symbols, f.approximate) for f in findings]


@settings(max_examples=200, derandomize=True, database=None, deadline=None)
@given(ops=st.lists(_op, max_size=12), same_user=st.booleans())
def test_incremental_updates_agree_with_a_fresh_engine(ops: list[Op], same_user: bool) -> None:
    engine = ConflictEngine(clock=lambda: 0.0, compare_same_user=same_user)
    model = Model()
    seen: dict[str, Finding] = {}
    for op in ops:
        for change in apply(engine, model, op):
            if change.kind is ChangeKind.RESOLVED:
                assert change.reason is not None
                del seen[change.finding.id]
            else:
                assert change.reason is None
                assert (change.finding.id in seen) == (change.kind is ChangeKind.UPDATED)
                seen[change.finding.id] = change.finding
        assert apply(engine, model, op) == [], "the same operation twice must change nothing"

    current = engine.findings_for_repo(REPO)
    assert content(current) == content(sorted(seen.values(), key=lambda f: (f.repo, f.path, f.a, f.b)))

    fresh = ConflictEngine(clock=lambda: 0.0, compare_same_user=same_user)
    for who, files in sorted(model.files.items()):
        fresh.apply_snapshot(who, REPO, base=model.bases[who], files=edits(files))
    assert content(current) == content(fresh.findings_for_repo(REPO))
    for who in PEOPLE:
        assert content(engine.findings_for(who)) == content(fresh.findings_for(who))
    for path in PATHS:
        assert engine.touching(REPO, path) == fresh.touching(REPO, path)
