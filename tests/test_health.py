"""The probes and the error shape for unknown routes."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient


async def test_healthz_says_embedded(client: TestClient[Any, Any]) -> None:
    resp = await client.get("/healthz")
    assert resp.status == 200
    assert await resp.json() == {"status": "ok", "mode": "embedded"}
    assert resp.headers["X-Request-Id"]


async def test_readyz_checks_database_and_bus(client: TestClient[Any, Any]) -> None:
    resp = await client.get("/readyz")
    assert resp.status == 200
    assert (await resp.json())["checks"] == {"database": "ok", "bus": "ok"}


async def test_unknown_route_uses_error_shape(client: TestClient[Any, Any]) -> None:
    resp = await client.get("/api/nothing-here")
    assert resp.status == 404
    body = await resp.json()
    assert body["error"]["code"] == "not_found"


async def test_openapi_is_3_1(client: TestClient[Any, Any]) -> None:
    resp = await client.get("/api/openapi.json")
    doc = await resp.json()
    assert doc["openapi"] == "3.1.0"
    assert "/healthz" in doc["paths"]
