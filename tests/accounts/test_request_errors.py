"""Bodies that cannot be used: malformed JSON, unknown fields, wrong types, too large; always the error shape."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests.conftest import ClientFactory
from tests.helpers import PASSWORD


async def error_of(resp: Any, status: int) -> dict[str, Any]:
    assert resp.status == status, await resp.text()
    body: dict[str, Any] = await resp.json()
    assert set(body) == {"error"}
    error: dict[str, Any] = body["error"]
    assert set(error) == {"code", "message", "details"}
    return error


async def test_malformed_json_is_400(client: TestClient[Any, Any]) -> None:
    resp = await client.post(
        "/api/auth/login", data=b'{"email": "a@example.com",', headers={"Content-Type": "application/json"}
    )
    assert (await error_of(resp, 400))["code"] == "bad_request"
    resp = await client.post("/api/auth/login", data=b"email=a", headers={"Content-Type": "text/plain"})
    assert (await error_of(resp, 400))["code"] == "bad_request"


async def test_unknown_fields_and_wrong_types_are_422(client: TestClient[Any, Any]) -> None:
    resp = await client.post(
        "/api/auth/register", json={"email": "a@example.com", "password": PASSWORD, "is_admin": True}
    )
    error = await error_of(resp, 422)
    assert error["details"][0]["loc"] == ["is_admin"]
    resp = await client.post("/api/auth/login", json={"email": "a@example.com", "password": 12345678})
    error = await error_of(resp, 422)
    assert error["details"][0]["loc"] == ["password"]
    assert "12345678" not in str(error)  # rejected input (maybe a password) is never echoed
    resp = await client.post("/api/auth/login", json=["not", "an", "object"])
    await error_of(resp, 422)


async def test_oversized_body_is_413(make_client: ClientFactory) -> None:
    client = await make_client(max_body_bytes=1024)
    resp = await client.post("/api/auth/register", json={"email": "a@example.com", "password": "p" * 2000})
    assert (await error_of(resp, 413))["code"] == "payload_too_large"


async def test_openapi_lists_the_account_routes_and_their_errors(client: TestClient[Any, Any]) -> None:
    doc = await (await client.get("/api/openapi.json")).json()
    paths = doc["paths"]
    assert set(paths["/api/auth/login"]["post"]["responses"]) >= {"200", "400", "401", "413", "422", "429"}
    assert "409" in paths["/api/auth/register"]["post"]["responses"]
    assert "404" in paths["/api/me/tokens/{token_id}"]["delete"]["responses"]
    assert paths["/api/auth/register"]["post"]["security"] == []
    for path in ["/api/me", "/api/me/preferences", "/api/me/status", "/api/me/tokens", "/api/auth/logout"]:
        assert path in paths
