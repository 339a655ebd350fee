"""Times whose offset moves them past year 9999 (or before year 1) in UTC: a 422, where PostgreSQL gave a 500."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.helpers import make_team

PAST_9999 = "9999-12-31T23:59:59-05:00"
BEFORE_1 = "0001-01-01T00:00:00+05:00"


async def test_token_expiry(client: TestClient[Any, Any]) -> None:
    _, (alice,) = await make_team(client, 1)
    resp = await client.post(
        "/api/me/tokens", json={"name": "t", "scopes": ["read"], "expires_at": PAST_9999}, headers=alice.headers
    )
    body = await resp.json()
    assert resp.status == 422, body
    assert [d["loc"] for d in body["error"]["details"]] == [["expires_at"]]
    resp = await client.post(
        "/api/me/tokens",
        json={"name": "t", "scopes": ["read"], "expires_at": "9999-12-31T23:59:59+00:00"},
        headers=alice.headers,
    )
    assert resp.status == 201, await resp.text()


@pytest.mark.parametrize("when", [PAST_9999, BEFORE_1])
async def test_activity_filters(client: TestClient[Any, Any], when: str) -> None:
    project_id, (alice,) = await make_team(client, 1)
    for name in ("since", "until"):
        resp = await client.get(f"/api/projects/{project_id}/activity", params={name: when}, headers=alice.headers)
        body = await resp.json()
        assert resp.status == 422, body
        assert [d["loc"] for d in body["error"]["details"]] == [[name]]
