"""Members through the API: role changes, removal, leaving, the last-owner rules and the events they publish."""

from __future__ import annotations

from backend import keys
from backend.events import project_channel, user_channel
from tests.helpers import signup
from tests.projects.helpers import Client, add_member, create_project, error_code, expect, make_team, next_event


async def test_owner_grants_and_takes_the_owner_role(client: Client) -> None:
    team = await make_team(client)
    path = f"/api/projects/{team.project_id}/members/{team.maintainer.user_id}"
    sub = await client.app[keys.BUS].subscribe(project_channel(team.project_id))
    try:
        member = await expect(await client.patch(path, json={"role": "owner"}, headers=team.owner.headers), 200)
        event = await next_event(sub, "member.role_changed")
    finally:
        await sub.close()
    assert member["role"] == "owner"
    assert member["email"] == team.maintainer.email
    assert event == {
        "type": "member.role_changed",
        "project_id": team.project_id,
        "user_id": team.maintainer.user_id,
        "role": "owner",
        "previous_role": "maintainer",
        "by": team.owner.user_id,
    }
    # With two owners, either may step down; then the remaining one is the last owner again.
    me = f"/api/projects/{team.project_id}/members/{team.owner.user_id}"
    await expect(await client.patch(me, json={"role": "developer"}, headers=team.owner.headers), 200)
    assert await error_code(await client.patch(path, json={"role": "viewer"}, headers=team.maintainer.headers), 409)


async def test_the_last_owner_can_neither_leave_nor_be_demoted(client: Client) -> None:
    ann = await signup(client)
    pid = (await create_project(client, ann))["id"]
    me = f"/api/projects/{pid}/members/{ann.user_id}"
    assert await error_code(await client.delete(me, headers=ann.headers), 409) == "last_owner"
    assert (
        await error_code(await client.patch(me, json={"role": "maintainer"}, headers=ann.headers), 409) == "last_owner"
    )
    bob = await add_member(client, ann, pid, "owner")
    await expect(await client.delete(me, headers=ann.headers), 204)
    bob_path = f"/api/projects/{pid}/members/{bob.user_id}"
    assert await error_code(await client.delete(bob_path, headers=bob.headers), 409) == "last_owner"
    assert await error_code(await client.get(f"/api/projects/{pid}", headers=ann.headers), 404) == "not_found"


async def test_leaving_tells_the_team_and_the_leaver(client: Client) -> None:
    team = await make_team(client)
    bus = client.app[keys.BUS]
    team_sub = await bus.subscribe(project_channel(team.project_id))
    own_sub = await bus.subscribe(user_channel(team.viewer.user_id))
    try:
        path = f"/api/projects/{team.project_id}/members/{team.viewer.user_id}"
        await expect(await client.delete(path, headers=team.viewer.headers), 204)
        left = await next_event(team_sub, "member.left")
        removed = await next_event(own_sub, "membership.removed")
    finally:
        await team_sub.close()
        await own_sub.close()
    assert left["user_id"] == team.viewer.user_id
    assert left["by"] == team.viewer.user_id
    assert removed["project_id"] == team.project_id
    members = await expect(
        await client.get(f"/api/projects/{team.project_id}/members", headers=team.owner.headers), 200
    )
    assert team.viewer.user_id not in {m["user_id"] for m in members["items"]}
    mine = await expect(await client.get("/api/projects", headers=team.viewer.headers), 200)
    assert mine["items"] == []


async def test_members_list_is_ordered_by_joining(client: Client) -> None:
    team = await make_team(client)
    members = await expect(
        await client.get(f"/api/projects/{team.project_id}/members", headers=team.viewer.headers), 200
    )
    assert [(m["user_id"], m["role"]) for m in members["items"]] == [
        (team.owner.user_id, "owner"),
        (team.maintainer.user_id, "maintainer"),
        (team.developer.user_id, "developer"),
        (team.viewer.user_id, "viewer"),
    ]
    assert all(m["joined_at"].endswith("Z") or m["joined_at"].endswith("+00:00") for m in members["items"])


async def test_unknown_member_and_bad_roles(client: Client) -> None:
    team = await make_team(client)
    base = f"/api/projects/{team.project_id}/members"
    outsider = await signup(client)
    assert await error_code(await client.delete(f"{base}/{outsider.user_id}", headers=team.owner.headers), 404)
    resp = await client.patch(f"{base}/{team.developer.user_id}", json={"role": "admin"}, headers=team.owner.headers)
    assert await error_code(resp, 422) == "invalid"
    resp = await client.patch(f"{base}/{team.developer.user_id}", json={}, headers=team.owner.headers)
    assert await error_code(resp, 422) == "invalid"
    resp = await client.patch(
        f"{base}/{team.developer.user_id}", json={"role": "viewer", "why": "x"}, headers=team.owner.headers
    )
    assert await error_code(resp, 422) == "invalid"


async def test_anyone_may_lower_their_own_role_but_not_raise_it(client: Client) -> None:
    team = await make_team(client)
    base = f"/api/projects/{team.project_id}/members"
    maintainer = f"{base}/{team.maintainer.user_id}"
    viewer = f"{base}/{team.viewer.user_id}"
    lowered = await expect(
        await client.patch(maintainer, json={"role": "viewer"}, headers=team.maintainer.headers), 200
    )
    assert lowered["role"] == "viewer"
    assert await error_code(await client.patch(viewer, json={"role": "developer"}, headers=team.viewer.headers), 403)
