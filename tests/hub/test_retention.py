"""Activity history is kept for each project's retention, and no longer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp.test_utils import TestClient

from backend import keys
from backend.activity.recorder import prune_activity
from backend.store.models import ActivityRecord
from tests.helpers import make_team
from tests.hub.test_activity import register_repo


async def seed(
    client: TestClient[Any, Any], project_id: str, repository_id: str, user_id: str, rows: list[tuple[str, datetime]]
) -> None:
    """Activity rows ``(path, last seen)`` written straight to the store, as the recorder would."""
    async with client.app[keys.STORE].session() as s:
        for path, seen in rows:
            s.add(
                ActivityRecord(
                    project_id=project_id,
                    repository_id=repository_id,
                    user_id=user_id,
                    branch="main",
                    path=path,
                    day=seen.date(),
                    first_seen=seen,
                    last_seen=seen,
                )
            )


async def test_old_activity_is_pruned_per_project_retention(client: TestClient[Any, Any]) -> None:
    project_id, (alice,) = await make_team(client, 1)
    repository_id = await register_repo(client, project_id, alice)
    resp = await client.patch(
        f"/api/projects/{project_id}/settings", json={"activity_retention_days": 7}, headers=alice.headers
    )
    assert resp.status == 200, await resp.json()
    now = datetime.now(UTC)
    ages = (0, 6, 8, 30)
    await seed(client, project_id, repository_id, alice.user_id, [(f"f{a}.py", now - timedelta(days=a)) for a in ages])
    assert await prune_activity(client.app[keys.STORE], now) == 2
    resp = await client.get(f"/api/projects/{project_id}/activity", headers=alice.headers)
    assert sorted(r["path"] for r in (await resp.json())["items"]) == ["f0.py", "f6.py"]


async def test_activity_pages_follow_the_cursor(client: TestClient[Any, Any]) -> None:
    project_id, (alice,) = await make_team(client, 1)
    repository_id = await register_repo(client, project_id, alice)
    now = datetime.now(UTC)
    rows = [(f"src/f{i}.py", now - timedelta(minutes=i)) for i in range(5)]
    await seed(client, project_id, repository_id, alice.user_id, rows)
    paths: list[str] = []
    cursor = None
    for _ in range(5):
        url = f"/api/projects/{project_id}/activity?limit=2&path=src/" + (f"&cursor={cursor}" if cursor else "")
        body = await (await client.get(url, headers=alice.headers)).json()
        paths += [r["path"] for r in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert paths == [f"src/f{i}.py" for i in range(5)]
    resp = await client.get(f"/api/projects/{project_id}/activity?cursor=garbage", headers=alice.headers)
    assert resp.status == 422
