"""Repositories of a project: identity by normalised remote URL, and who may register or remove them."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests.helpers import add_member, make_team, signup


async def test_any_spelling_of_a_remote_is_the_same_repository(client: TestClient[Any, Any]) -> None:
    project_id, (owner,) = await make_team(client, 1)
    url = f"/api/projects/{project_id}/repositories"
    resp = await client.post(url, json={"remote_url": "git@github.com:Acme/Widgets.git"}, headers=owner.headers)
    body = await resp.json()
    assert resp.status == 201, body
    assert body["url"] == "github.com/acme/widgets"  # forges compare owner and name without case
    assert body["default_branch"] == "main"
    for same in ("https://github.com/Acme/Widgets", "ssh://git@github.com/Acme/Widgets.git/"):
        again = await client.post(url, json={"remote_url": same}, headers=owner.headers)
        assert again.status == 409, await again.json()
    listed = await (await client.get(url, headers=owner.headers)).json()
    assert [r["id"] for r in listed["items"]] == [body["id"]]


async def test_credentials_in_a_remote_are_never_kept(client: TestClient[Any, Any]) -> None:
    project_id, (owner,) = await make_team(client, 1)
    resp = await client.post(
        f"/api/projects/{project_id}/repositories",
        json={"remote_url": "https://someone:ghp_secret@github.com/acme/app.git"},
        headers=owner.headers,
    )
    body = await resp.json()
    assert resp.status == 201, body
    assert "secret" not in str(body)


async def test_bad_remote_urls_are_422(client: TestClient[Any, Any]) -> None:
    project_id, (owner,) = await make_team(client, 1)
    for bad in ("not a url", "", "http://"):
        resp = await client.post(
            f"/api/projects/{project_id}/repositories", json={"remote_url": bad}, headers=owner.headers
        )
        assert resp.status == 422, (bad, await resp.json())


async def test_roles_and_strangers(client: TestClient[Any, Any]) -> None:
    project_id, (owner, developer) = await make_team(client)
    viewer = await signup(client)
    await add_member(client, project_id, owner, viewer, role="viewer")
    stranger = await signup(client)
    url = f"/api/projects/{project_id}/repositories"

    assert (await client.post(url, json={"remote_url": "https://h/o/a"}, headers=viewer.headers)).status == 403
    assert (await client.post(url, json={"remote_url": "https://h/o/a"}, headers=stranger.headers)).status == 404
    assert (await client.get(url, headers=stranger.headers)).status == 404
    resp = await client.post(url, json={"remote_url": "https://h/o/a"}, headers=developer.headers)
    assert resp.status == 201
    repository_id = (await resp.json())["id"]
    assert (await client.get(url, headers=viewer.headers)).status == 200

    assert (await client.delete(f"{url}/{repository_id}", headers=developer.headers)).status == 403
    assert (await client.delete(f"{url}/nope", headers=owner.headers)).status == 404
    assert (await client.delete(f"{url}/{repository_id}", headers=owner.headers)).status == 204
    assert (await (await client.get(url, headers=owner.headers)).json())["items"] == []
