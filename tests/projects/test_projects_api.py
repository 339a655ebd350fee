"""Projects through the real app: create, read, update, delete, list with cursors, and bad input."""

from __future__ import annotations

import pytest

from backend import keys
from backend.events import project_channel
from tests.helpers import signup
from tests.projects.helpers import Client, create_project, error_code, expect, make_team, next_event


async def test_create_makes_the_creator_owner(client: Client) -> None:
    ann = await signup(client)
    resp = await client.post("/api/projects", json={"name": "  Tandem  ", "description": "d"}, headers=ann.headers)
    project = await expect(resp, 201)
    assert project["name"] == "Tandem"  # surrounding blanks dropped
    assert project["role"] == "owner"
    assert project["created_by"] == ann.user_id
    fetched = await expect(await client.get(f"/api/projects/{project['id']}", headers=ann.headers), 200)
    assert fetched == project
    members = await expect(await client.get(f"/api/projects/{project['id']}/members", headers=ann.headers), 200)
    assert [(m["user_id"], m["role"], m["email"]) for m in members["items"]] == [(ann.user_id, "owner", ann.email)]
    assert set(members["items"][0]) == {"user_id", "name", "email", "role", "joined_at"}


async def test_update_publishes_project_updated(client: Client) -> None:
    ann = await signup(client)
    project = await create_project(client, ann)
    sub = await client.app[keys.BUS].subscribe(project_channel(project["id"]))
    try:
        resp = await client.patch(f"/api/projects/{project['id']}", json={"description": "new"}, headers=ann.headers)
        updated = await expect(resp, 200)
        event = await next_event(sub, "project.updated")
    finally:
        await sub.close()
    assert updated["description"] == "new"
    assert updated["name"] == project["name"]
    assert event["description"] == "new"
    assert event["by"] == ann.user_id


async def test_delete_removes_the_project_and_its_memberships(client: Client) -> None:
    team = await make_team(client)
    pid = team.project_id
    sub = await client.app[keys.BUS].subscribe(project_channel(pid))
    try:
        await expect(await client.delete(f"/api/projects/{pid}", headers=team.owner.headers), 204)
        assert (await next_event(sub, "project.deleted"))["project_id"] == pid
    finally:
        await sub.close()
    for account in (team.owner, team.developer):
        assert await error_code(await client.get(f"/api/projects/{pid}", headers=account.headers), 404) == "not_found"
    mine = await expect(await client.get("/api/projects", headers=team.developer.headers), 200)
    assert mine["items"] == []


async def test_list_mine_pages_through_every_project_once(client: Client) -> None:
    ann, bob = await signup(client), await signup(client)
    names = ["delta", "alpha", "charlie", "bravo", "alpha"]
    created = [await create_project(client, ann, name) for name in names]
    await create_project(client, bob, "not ann's")
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        query = {"limit": "2"} | ({"cursor": cursor} if cursor else {})
        page = await expect(await client.get("/api/projects", params=query, headers=ann.headers), 200)
        pages += 1
        assert len(page["items"]) <= 2
        seen += [p["id"] for p in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert sorted(seen) == sorted(p["id"] for p in created)
    assert len(set(seen)) == len(seen)
    by_id = {p["id"]: p["name"] for p in created}
    assert [by_id[i] for i in seen] == sorted(names)


@pytest.mark.parametrize(
    ("query", "status"),
    [({"limit": "0"}, 422), ({"limit": "x"}, 422), ({"cursor": "garbage!"}, 422), ({"page": "2"}, 422)],
)
async def test_list_refuses_bad_queries(client: Client, query: dict[str, str], status: int) -> None:
    ann = await signup(client)
    await expect(await client.get("/api/projects", params=query, headers=ann.headers), status)


async def test_bad_input_uses_the_error_shape(client: Client) -> None:
    ann = await signup(client)
    headers = ann.headers | {"Content-Type": "application/json"}
    assert (
        await error_code(await client.post("/api/projects", data=b"{not json", headers=headers), 400) == "bad_request"
    )
    unknown = await client.post("/api/projects", json={"name": "x", "owner": "me"}, headers=ann.headers)
    body = await expect(unknown, 422)
    assert body["error"]["details"][0]["loc"] == ["owner"]
    assert await error_code(await client.post("/api/projects", json={"name": 5}, headers=ann.headers), 422) == "invalid"
    assert await error_code(await client.post("/api/projects", json={"name": "  "}, headers=ann.headers), 422)
    project = await create_project(client, ann)
    resp = await client.patch(f"/api/projects/{project['id']}", json={"name": ["x"]}, headers=ann.headers)
    await expect(resp, 422)


async def test_needs_a_signed_in_caller(client: Client) -> None:
    for method, path in [("GET", "/api/projects"), ("POST", "/api/projects"), ("GET", "/api/me/invitations")]:
        assert await error_code(await client.request(method, path, json={}), 401) == "unauthorized"


async def test_unknown_project_is_404(client: Client) -> None:
    ann = await signup(client)
    assert await error_code(await client.get("/api/projects/nope", headers=ann.headers), 404) == "not_found"
