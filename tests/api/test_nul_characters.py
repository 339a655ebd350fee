"""Text with a NUL character is refused alike on both stores (PostgreSQL cannot store it): 422, or 404 for ids."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests.helpers import PASSWORD, signup


async def invalid_at(resp: Any) -> list[list[Any]]:
    body = await resp.json()
    assert resp.status == 422, body
    assert body["error"]["code"] == "invalid"
    assert "NUL" in body["error"]["message"]
    return [d["loc"] for d in body["error"]["details"]]


async def test_in_a_body_field(client: TestClient[Any, Any]) -> None:
    account = await signup(client)
    resp = await client.post("/api/projects", json={"name": "a\x00b"}, headers=account.headers)
    assert await invalid_at(resp) == [["name"]]
    resp = await client.post("/api/auth/login", json={"email": "x\x00@example.com", "password": PASSWORD})
    assert await invalid_at(resp) == [["email"]]
    listing = await (await client.get("/api/projects", headers=account.headers)).json()
    assert listing["items"] == []


async def test_nested_in_a_body_and_in_a_key(client: TestClient[Any, Any]) -> None:
    account = await signup(client)
    doc = {"editor": {"severities": {"conflict": "x\x00"}}, "a\x00": 1}
    resp = await client.put("/api/me/preferences", json=doc, headers=account.headers)
    assert sorted(await invalid_at(resp)) == [["a\x00"], ["editor", "severities", "conflict"]]


async def test_in_a_query_parameter(client: TestClient[Any, Any]) -> None:
    account = await signup(client)
    resp = await client.get("/api/projects?cursor=a%00", headers=account.headers)
    assert await invalid_at(resp) == [["cursor"]]


async def test_in_a_path_id(client: TestClient[Any, Any]) -> None:
    account = await signup(client)
    resp = await client.get("/api/projects/a%00b", headers=account.headers)
    body = await resp.json()
    assert resp.status == 404, body
    assert body["error"]["code"] == "not_found"


async def test_a_body_nested_deeper_than_the_stack_is_not_a_500(client: TestClient[Any, Any]) -> None:
    account = await signup(client)
    deep = b"[" * 1000 + b"]" * 1000
    resp = await client.put(
        "/api/me/preferences", data=deep, headers={**account.headers, "Content-Type": "application/json"}
    )
    assert resp.status == 422, await resp.text()
