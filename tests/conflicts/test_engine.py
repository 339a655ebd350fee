"""Lifecycle of findings through the engine: opened, updated, resolved; idempotency, snapshots, bases, participants."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from backend.conflicts import (
    ChangeKind,
    ConflictEngine,
    EditStatus,
    FileEdit,
    FindingChange,
    Hunk,
    Participant,
    ResolveReason,
    Severity,
    Side,
    Span,
    StaticBaseMaps,
    finding_id,
)

ALICE = Participant("alice", "laptop")
BOB = Participant("bob", "desktop")
ALICE_2 = Participant("alice", "server-clone")
REPO = "example.com/team/shop"


@dataclass
class Clock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


def edit(path: str, *hunks: Hunk) -> FileEdit:
    return FileEdit(path=path, status=EditStatus.MODIFIED, hunks=hunks)


def line(n: int, text: str = "x", *symbols: str) -> Hunk:
    """Base line n (0-based) replaced by one line."""
    return Hunk(n, n + 1, n, n + 1, text, symbols)


def kinds(changes: list[FindingChange]) -> list[tuple[ChangeKind, ResolveReason | None]]:
    return [(c.kind, c.reason) for c in changes]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def engine(clock: Clock) -> ConflictEngine:
    return ConflictEngine(clock=clock)


def test_a_finding_opens_updates_and_resolves(engine: ConflictEngine, clock: Clock) -> None:
    assert engine.apply_snapshot(ALICE, REPO, base="c1", files=[edit("cart.py", line(10, "a", "Cart.add"))]) == []
    clock.now = 1001.0
    opened = engine.apply_delta(BOB, REPO, base="c1", changed=[edit("cart.py", line(30, "b", "Cart.total"))])
    assert kinds(opened) == [(ChangeKind.OPENED, None)]
    finding = opened[0].finding
    assert (finding.a, finding.b, finding.path, finding.severity) == (ALICE, BOB, "cart.py", Severity.NEARBY)
    assert finding.id == finding_id(REPO, "cart.py", BOB, ALICE)
    assert (finding.opened_at, finding.updated_at, finding.approximate) == (1001.0, 1001.0, False)

    clock.now = 1002.0
    closer = engine.apply_delta(BOB, REPO, base="c1", changed=[edit("cart.py", line(12, "b", "Cart.add"))])
    assert kinds(closer) == [(ChangeKind.UPDATED, None)]
    assert closer[0].finding.severity is Severity.OVERLAP
    assert closer[0].finding.symbols == ("Cart.add",)
    assert (closer[0].finding.opened_at, closer[0].finding.updated_at) == (1001.0, 1002.0)
    assert closer[0].finding.id == finding.id

    clash = engine.apply_delta(BOB, REPO, base="c1", changed=[edit("cart.py", line(11, "b", "Cart.add"))])
    assert clash[0].finding.severity is Severity.CONFLICT
    assert clash[0].finding.own_sides(BOB) == (Side(Span(10, 12), Span(10, 12)),)

    clock.now = 1003.0
    same = engine.apply_delta(BOB, REPO, base="c1", changed=[edit("cart.py", line(10, "a", "Cart.add"))])
    assert kinds(same) == [(ChangeKind.RESOLVED, ResolveReason.CLEARED)]
    assert same[0].finding.updated_at == 1003.0
    assert engine.findings_for(ALICE) == []


def test_applying_the_same_change_twice_changes_nothing(engine: ConflictEngine) -> None:
    files = [edit("a.py", line(1)), edit("b.py", line(5, "y"))]
    engine.apply_snapshot(ALICE, REPO, base="c1", files=files)
    assert len(engine.apply_snapshot(BOB, REPO, base="c1", files=[edit("a.py", line(2, "z"))])) == 1
    assert engine.apply_snapshot(BOB, REPO, base="c1", files=[edit("a.py", line(2, "z"))]) == []
    assert engine.apply_delta(BOB, REPO, base="c1", changed=[edit("a.py", line(2, "z"))]) == []
    assert engine.apply_delta(ALICE, REPO, base="c1", changed=files) == []
    assert engine.apply_delta(ALICE, REPO, base="c1", removed=["nothing.py"]) == []
    comparisons = engine.comparisons
    engine.apply_delta(BOB, REPO, base="c1", changed=[edit("a.py", line(2, "z"))])
    assert engine.comparisons == comparisons


def test_a_snapshot_replaces_what_the_participant_had(engine: ConflictEngine) -> None:
    engine.apply_snapshot(ALICE, REPO, base="c1", files=[edit("a.py", line(1)), edit("b.py", line(1))])
    engine.apply_snapshot(BOB, REPO, base="c1", files=[edit("a.py", line(1, "q")), edit("b.py", line(9, "q"))])
    assert [f.path for f in engine.findings_for(BOB)] == ["a.py", "b.py"]

    changes = engine.apply_snapshot(BOB, REPO, base="c1", files=[edit("b.py", line(9, "q"))])
    assert kinds(changes) == [(ChangeKind.RESOLVED, ResolveReason.WITHDRAWN)]
    assert changes[0].finding.path == "a.py"
    assert [f.path for f in engine.findings_for(ALICE)] == ["b.py"]
    assert engine.touching(REPO, "a.py") == [ALICE]


def test_removing_a_file_withdraws_its_findings(engine: ConflictEngine) -> None:
    engine.apply_snapshot(ALICE, REPO, base="c1", files=[edit("a.py", line(1))])
    engine.apply_snapshot(BOB, REPO, base="c1", files=[edit("a.py", line(1, "q"))])
    changes = engine.apply_delta(ALICE, REPO, base="c1", removed=["a.py"])
    assert kinds(changes) == [(ChangeKind.RESOLVED, ResolveReason.WITHDRAWN)]
    assert engine.apply_delta(ALICE, REPO, base="c1", removed=["a.py"]) == []


def test_a_participant_leaving_resolves_its_findings(engine: ConflictEngine) -> None:
    engine.apply_snapshot(ALICE, REPO, base="c1", files=[edit("a.py", line(1))])
    engine.apply_snapshot(ALICE, "example.com/team/other", base="d1", files=[edit("z.py", line(1))])
    engine.apply_snapshot(BOB, REPO, base="c1", files=[edit("a.py", line(1, "q"))])
    engine.apply_snapshot(BOB, "example.com/team/other", base="d1", files=[edit("z.py", line(4, "q"))])
    changes = engine.remove_participant(BOB)
    assert sorted(kinds(changes)) == [(ChangeKind.RESOLVED, ResolveReason.LEFT)] * 2
    assert engine.findings_for(ALICE) == []
    assert engine.findings_for_repo(REPO) == []
    assert engine.remove_participant(BOB) == []


def test_landing_resolves_as_landed(engine: ConflictEngine) -> None:
    engine.apply_snapshot(ALICE, REPO, base="c1", files=[edit("a.py", line(1))])
    engine.apply_snapshot(BOB, REPO, base="c1", files=[edit("a.py", line(1, "q"))])
    assert kinds(engine.land(BOB, REPO)) == [(ChangeKind.RESOLVED, ResolveReason.LANDED)]
    assert engine.touching(REPO, "a.py") == [ALICE]


def test_the_same_user_is_skipped_unless_asked(clock: Clock) -> None:
    skipping = ConflictEngine(clock=clock)
    skipping.apply_snapshot(ALICE, REPO, base="c1", files=[edit("a.py", line(1))])
    assert skipping.apply_snapshot(ALICE_2, REPO, base="c1", files=[edit("a.py", line(1, "q"))]) == []

    comparing = ConflictEngine(clock=clock, compare_same_user=True)
    comparing.apply_snapshot(ALICE, REPO, base="c1", files=[edit("a.py", line(1))])
    changes = comparing.apply_snapshot(ALICE_2, REPO, base="c1", files=[edit("a.py", line(1, "q"))])
    assert [c.finding.severity for c in changes] == [Severity.CONFLICT]
    assert (changes[0].finding.a, changes[0].finding.b) == (ALICE, ALICE_2)


def test_different_bases_without_a_map_are_approximate(engine: ConflictEngine) -> None:
    engine.apply_snapshot(ALICE, REPO, base="c1", files=[edit("a.py", line(10))])
    opened = engine.apply_snapshot(BOB, REPO, base="c2", files=[edit("a.py", line(10, "q"))])
    assert opened[0].finding.approximate
    assert opened[0].finding.severity is Severity.CONFLICT

    # Bob catches up with Alice's base: the same lines, now compared exactly.
    updated = engine.apply_delta(BOB, REPO, base="c1")
    assert kinds(updated) == [(ChangeKind.UPDATED, None)]
    assert not updated[0].finding.approximate


def test_different_bases_with_a_map_are_exact(clock: Clock) -> None:
    maps = StaticBaseMaps()
    # From c1 to c2, five lines were inserted at the top of a.py.
    maps.add(REPO, "a.py", "c1", "c2", [Hunk(0, 0, 0, 5)])
    engine = ConflictEngine(clock=clock, base_maps=maps)
    engine.apply_snapshot(ALICE, REPO, base="c1", files=[edit("a.py", line(10))])
    opened = engine.apply_snapshot(BOB, REPO, base="c2", files=[edit("a.py", line(15, "q"))])
    finding = opened[0].finding
    assert (finding.severity, finding.approximate) == (Severity.CONFLICT, False)
    assert finding.own_sides(ALICE) == (Side(Span(10, 11), Span(10, 11)),)
    assert finding.own_sides(BOB) == (Side(Span(15, 16), Span(15, 16)),)
    # On c1's line numbers Bob's edit would look like a conflict at line 15; mapped, it is far from Alice's.
    moved = engine.apply_delta(ALICE, REPO, base="c1", changed=[edit("a.py", line(15))])
    assert moved[0].finding.severity is Severity.NEARBY


def test_renames_are_matched_on_the_base_path(engine: ConflictEngine) -> None:
    engine.apply_snapshot(ALICE, REPO, base="c1", files=[edit("old.py", line(3))])
    renamed = FileEdit(path="new.py", status=EditStatus.RENAMED, hunks=(line(3, "q"),), old_path="old.py")
    opened = engine.apply_delta(BOB, REPO, base="c1", changed=[renamed])
    assert opened[0].finding.path == "old.py"
    assert opened[0].finding.severity is Severity.CONFLICT
    # The working-copy path removes it as well as the base path would.
    assert kinds(engine.apply_delta(BOB, REPO, base="c1", removed=["new.py"])) == [
        (ChangeKind.RESOLVED, ResolveReason.WITHDRAWN)
    ]


def test_a_path_that_changes_its_base_path_drops_the_old_one(engine: ConflictEngine) -> None:
    engine.apply_snapshot(ALICE, REPO, base="c1", files=[edit("new.py", line(0))])
    added = FileEdit(path="new.py", status=EditStatus.ADDED, hunks=(Hunk(0, 0, 0, 4, "content"),))
    assert len(engine.apply_delta(BOB, REPO, base="c1", changed=[added])) == 1
    # Git now sees Bob's new.py as old.py renamed: his change no longer touches new.py's base path.
    renamed = FileEdit(path="new.py", status=EditStatus.RENAMED, hunks=(), old_path="old.py")
    changes = engine.apply_delta(BOB, REPO, base="c1", changed=[renamed])
    assert kinds(changes) == [(ChangeKind.RESOLVED, ResolveReason.WITHDRAWN)]
    assert engine.touching(REPO, "old.py") == [BOB]


def test_findings_are_listed_per_participant_and_per_repo(engine: ConflictEngine) -> None:
    carol = Participant("carol", "laptop")
    engine.apply_snapshot(ALICE, REPO, base="c1", files=[edit("a.py", line(1))])
    engine.apply_snapshot(BOB, REPO, base="c1", files=[edit("a.py", line(5, "q"))])
    engine.apply_snapshot(carol, REPO, base="c1", files=[edit("a.py", line(9, "r"))])
    assert [(f.a, f.b) for f in engine.findings_for(BOB)] == [(ALICE, BOB), (BOB, carol)]
    assert len(engine.findings_for_repo(REPO)) == 3
    assert engine.findings_for_repo("example.com/other") == []
    finding = engine.findings_for(ALICE)[0]
    assert finding.other(ALICE) == BOB
    with pytest.raises(ValueError, match="not part of finding"):
        finding.own_sides(carol)
