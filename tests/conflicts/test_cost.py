"""Update work follows the people touching the updated file, not the size of the team or the repository."""

from __future__ import annotations

from backend.conflicts import ConflictEngine, EditStatus, FileEdit, Hunk, Participant

REPO = "example.com/team/monorepo"


def edit(path: str, n: int, text: str) -> FileEdit:
    return FileEdit(path=path, status=EditStatus.MODIFIED, hunks=(Hunk(n, n + 1, n, n + 1, text),))


def populated(people: int, files_each: int) -> ConflictEngine:
    """A team where each person changes their own files, and the first three also share ``shared.py``."""
    engine = ConflictEngine(clock=lambda: 0.0)
    for person in range(people):
        files = [edit(f"own/{person}/{n}.py", n, "x") for n in range(files_each)]
        if person < 3:
            files.append(edit("shared.py", 10 * person, f"p{person}"))
        engine.apply_snapshot(Participant(f"user{person}", "laptop"), REPO, base="c1", files=files)
    return engine


def comparisons_for_one_update(engine: ConflictEngine, path: str) -> int:
    before = engine.comparisons
    engine.apply_delta(Participant("user0", "laptop"), REPO, base="c1", changed=[edit(path, 99, "new")])
    return engine.comparisons - before


def test_an_update_compares_only_with_the_others_touching_that_file() -> None:
    small = populated(people=5, files_each=3)
    large = populated(people=400, files_each=25)
    assert comparisons_for_one_update(small, "shared.py") == 2
    assert comparisons_for_one_update(large, "shared.py") == 2
    assert comparisons_for_one_update(small, "own/0/1.py") == 0
    assert comparisons_for_one_update(large, "own/0/1.py") == 0


def test_work_grows_with_the_people_on_the_file() -> None:
    engine = ConflictEngine(clock=lambda: 0.0)
    for person in range(1, 21):
        engine.apply_snapshot(
            Participant(f"user{person}", "laptop"), REPO, base="c1", files=[edit("hot.py", 3 * person, "x")]
        )
    assert comparisons_for_one_update(engine, "hot.py") == 20
