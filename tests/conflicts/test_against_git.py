"""Property test: the engine's conflict verdict and regions agree with what real ``git merge`` (merge-ort) does."""

from __future__ import annotations

from hypothesis import HealthCheck, event, given, settings

from backend.conflicts import ConflictEngine, Finding, Participant, Region, Severity, Span, edit_from_wire
from tandem.protocol import FileChange
from tests.conflicts.gitoracle import FILE, GitOracle, lines_of
from tests.conflicts.strategies import MergeCase, merge_cases

OURS = Participant("u1", "laptop")
THEIRS = Participant("u2", "laptop")
REPO = "example.com/team/app"

# Deterministic for CI: a fixed sequence of examples, no example database between runs.
GIT_SETTINGS = settings(
    max_examples=250,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def engine_finding(oracle: GitOracle, case: MergeCase) -> Finding | None:
    """Run the case through the engine the way agents would report it: their hunks from ``git diff -U0``."""
    engine = ConflictEngine(clock=lambda: 0.0)
    for participant, side, text in ((OURS, "ours", case.ours), (THEIRS, "theirs", case.theirs)):
        hunks = oracle.hunks(side, text)
        files = [edit_from_wire(FileChange(path=FILE, status="modified", hunks=hunks))] if hunks else []
        engine.apply_snapshot(participant, REPO, base="b0", branch=side, files=files)
    findings = engine.findings_for_repo(REPO)
    assert len(findings) <= 1
    return findings[0] if findings else None


def text(lines: list[bytes], span: Span) -> list[bytes]:
    # git adds a newline to a conflict side whose last line has none: compare lines without theirs.
    return [line.rstrip(b"\n") for line in lines[span.start : span.end]]


def raw(lines: list[bytes], span: Span) -> list[bytes]:
    return lines[span.start : span.end]


def stripped(lines: tuple[bytes, ...]) -> list[bytes]:
    return [line.rstrip(b"\n") for line in lines]


@GIT_SETTINGS
@given(case=merge_cases())
def test_conflicts_and_their_regions_match_git_merge(oracle: GitOracle, case: MergeCase) -> None:
    oracle.load(case.base, case.ours, case.theirs)
    finding = engine_finding(oracle, case)
    conflicts: list[Region] = (
        [r for r in finding.regions if r.severity is Severity.CONFLICT] if finding is not None else []
    )
    assert (finding is not None and finding.severity is Severity.CONFLICT) == bool(conflicts)

    # diff3 style: xdiff merges at its EAGER level, which is exactly the engine's rule, block for block.
    diff3 = oracle.merge("diff3")
    assert diff3.conflicted == bool(conflicts)
    assert len(diff3.blocks) == len(conflicts)
    base, ours, theirs = lines_of(case.base), lines_of(case.ours), lines_of(case.theirs)
    for region, block in zip(conflicts, diff3.blocks, strict=True):
        assert region.a.base == region.b.base
        assert text(base, region.a.base) == stripped(block.base)
        assert text(ours, region.a.new) == stripped(block.ours)
        assert text(theirs, region.b.new) == stripped(block.theirs)

    # Default style: git also drops a conflict whose two sides end up with the same text (the same edit,
    # aligned differently by the two diffs). The engine cannot see text, so it reports those; check that
    # this is the only difference.
    merged = oracle.merge("merge")
    differing = [r for r in conflicts if raw(ours, r.a.new) != raw(theirs, r.b.new)]
    assert merged.conflicted == bool(differing)
    event("conflict" if conflicts else "no conflict")
    if finding is not None and finding.severity is not Severity.CONFLICT:
        event("clean merge, both sides changed the file")
    if len(differing) < len(conflicts):
        event("same text on both sides: git's default style resolves it, diff3 does not")
