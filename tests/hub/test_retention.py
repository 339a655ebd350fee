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


async def test_old_activity_is_pruned_per_project_retention(client: TestClient[Any, Any]) -> None:
    project_id, (alice,) = await make_team(client, 1)
    repository_id = await register_repo(client, project_id, alice)
    resp = await client.patch(
        f"/api/projects/{project_id}/settings", json={"activity_retention_days": 7}, headers=alice.headers
    )
    assert resp.status == 200, await resp.json()
    now = datetime.now(UTC)
    store = client.app[keys.STORE]
    async with store.session() as s:
        for age in (0, 6, 8, 30):
            seen = now - timedelta(days=age)
            s.add(
                ActivityRecord(
                    project_id=project_id,
                    repository_id=repository_id,
                    user_id=alice.user_id,
                    branch="main",
                    path=f"f{age}.py",
                    day=seen.date(),
                    first_seen=seen,
                    last_seen=seen,
                )
            )
    assert await prune_activity(store, now) == 2
    resp = await client.get(f"/api/projects/{project_id}/activity", headers=alice.headers)
    assert sorted(r["path"] for r in (await resp.json())["items"]) == ["f0.py", "f6.py"]


async def test_activity_pages_follow_the_cursor(client: TestClient[Any, Any]) -> None:
    project_id, (alice,) = await make_team(client, 1)
    repository_id = await register_repo(client, project_id, alice)
    now = datetime.now(UTC)
    async with client.app[keys.STORE].session() as s:
        for i in range(5):
            seen = now - timedelta(minutes=i)
            s.add(
                ActivityRecord(
                    project_id=project_id,
                    repository_id=repository_id,
                    user_id=alice.user_id,
                    branch="main",
                    path=f"src/f{i}.py",
                    day=seen.date(),
                    first_seen=seen,
                    last_seen=seen,
                )
            )
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
