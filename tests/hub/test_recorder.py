"""The recorder writes a batch larger than one statement's chunk whole, one statement per chunk."""

from __future__ import annotations

import time
from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import event, func, select
from sqlmodel import col

from backend import keys
from backend.activity.recorder import finding_detail
from backend.conflicts.engine import ConflictEngine
from backend.conflicts.model import EditStatus, FileEdit, Hunk, Participant
from backend.store.models import ActivityRecord, FindingEvent, FindingRecord
from tests.helpers import make_team
from tests.hub.test_activity import register_repo


async def test_a_batch_is_written_whole_in_chunks(client: TestClient[Any, Any]) -> None:
    project_id, (alice, bob) = await make_team(client, 2)
    repository_id = await register_repo(client, project_id, alice)
    recorder = client.app[keys.HUB].activity.recorder
    recorder.chunk = 4
    now = time.time()
    for n in range(10):
        recorder.saw((project_id, repository_id, alice.user_id, "main", f"f{n}.py"), now)
    engine = ConflictEngine()
    for person, start in ((bob.user_id, 10), (alice.user_id, 11)):
        hunks = (Hunk(start, start + 2, start, start + 2, person),)
        edits = [FileEdit(f"f{n}.py", EditStatus.MODIFIED, hunks) for n in range(6)]
        changes = engine.apply_delta(Participant(person, "wc"), repository_id, base="b", changed=edits)
    assert len(changes) == 6
    for change in changes:
        recorder.finding(project_id, change, finding_detail(change.finding, {}))

    statements: list[tuple[str, int]] = []

    def count(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, executemany: bool) -> None:
        if statement.lstrip().upper().startswith("INSERT"):
            statements.append((statement.split()[2], len(parameters) if executemany else 1))

    sync_engine = client.app[keys.STORE].engine.sync_engine
    event.listen(sync_engine, "before_cursor_execute", count)
    try:
        await recorder.flush()
    finally:
        event.remove(sync_engine, "before_cursor_execute", count)

    assert statements == [
        ("activity", 4),
        ("activity", 4),
        ("activity", 2),
        ("findings", 4),
        ("findings", 2),
        ("finding_events", 4),
        ("finding_events", 2),
    ]
    async with client.app[keys.STORE].session() as s:
        for model, expected in ((ActivityRecord, 10), (FindingRecord, 6), (FindingEvent, 6)):
            rows = await s.execute(select(func.count()).select_from(model).where(col(model.project_id) == project_id))
            assert rows.scalar_one() == expected, model
    assert not recorder.pending
