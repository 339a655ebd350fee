"""The signed-in user's profile, preferences document and presence status (published on the bus)."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp.test_utils import TestClient

from backend import keys
from backend.events import decode_event, project_channel, user_channel
from backend.store.models import Membership, Project
from tests.accounts.conftest import app_of
from tests.helpers import signup

DEFAULTS: dict[str, Any] = {
    "notifications": {"email": True, "desktop": True, "digest": "daily"},
    "editor": {"show_nearby": True, "severity": {"conflict": "warning", "overlap": "information", "nearby": "hint"}},
    "privacy": {"share_diffs": False},
}


async def test_profile_can_be_read_and_patched(client: TestClient[Any, Any]) -> None:
    account = await signup(client, name="Ada")
    resp = await client.patch(
        "/api/me",
        json={"name": "  Ada   Lovelace ", "avatar_url": "https://example.com/ada.png", "time_zone": "Europe/London"},
        headers=account.headers,
    )
    assert resp.status == 200
    body = await resp.json()
    assert (body["name"], body["avatar_url"], body["time_zone"]) == (
        "Ada Lovelace",
        "https://example.com/ada.png",
        "Europe/London",
    )
    # Fields left out stay as they are; an explicit null clears the avatar.
    resp = await client.patch("/api/me", json={"avatar_url": None}, headers=account.headers)
    body = await resp.json()
    assert (body["name"], body["avatar_url"], body["time_zone"]) == ("Ada Lovelace", None, "Europe/London")
    assert await (await client.get("/api/me", headers=account.headers)).json() == body


async def test_profile_fields_are_validated(client: TestClient[Any, Any]) -> None:
    account = await signup(client)
    for change, field in [
        ({"avatar_url": "javascript:alert(1)"}, "avatar_url"),
        ({"avatar_url": "ftp://example.com/a.png"}, "avatar_url"),
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
        ({"name": None}, "name"),
        ({"email": "new@example.com"}, "email"),
    ]:
        resp = await client.patch("/api/me", json=change, headers=account.headers)
        assert resp.status == 422, change
        assert (await resp.json())["error"]["details"][0]["loc"] == [field]


async def test_preferences_default_replace_and_refuse_unknown_keys(client: TestClient[Any, Any]) -> None:
    account = await signup(client)
    assert await (await client.get("/api/me/preferences", headers=account.headers)).json() == DEFAULTS
    chosen = {"editor": {"severity": {"nearby": "off"}}, "privacy": {"share_diffs": True}}
    resp = await client.put("/api/me/preferences", json=chosen, headers=account.headers)
    assert resp.status == 200
    expected = {
        **DEFAULTS,
        "editor": {**DEFAULTS["editor"], "severity": {**DEFAULTS["editor"]["severity"], "nearby": "off"}},
        "privacy": {"share_diffs": True},
    }
    assert await resp.json() == expected
    assert await (await client.get("/api/me/preferences", headers=account.headers)).json() == expected
    for bad in ({"editor": {"colour": "red"}}, {"sound": True}, {"editor": {"severity": {"conflict": "loud"}}}):
        resp = await client.put("/api/me/preferences", json=bad, headers=account.headers)
        assert resp.status == 422, bad
    # A PUT replaces the document: what it leaves out goes back to the defaults.
    await client.put("/api/me/preferences", json={}, headers=account.headers)
    assert await (await client.get("/api/me/preferences", headers=account.headers)).json() == DEFAULTS


async def test_status_is_stored_and_published(client: TestClient[Any, Any]) -> None:
    account = await signup(client)
    teammate = await signup(client)
    app = app_of(client)
    async with app[keys.STORE].session() as db:
        project = Project(name="tandem", created_by=teammate.user_id)
        db.add(project)
        await db.flush()
        db.add(Membership(project_id=project.id, user_id=account.user_id, role="member"))
    subscription = await app[keys.BUS].subscribe(user_channel(account.user_id), project_channel(project.id))
    try:
        resp = await client.put(
            "/api/me/status", json={"status": "busy", "text": "deep in a merge"}, headers=account.headers
        )
        assert resp.status == 200
        assert await resp.json() == {"status": "busy", "text": "deep in a merge"}
        received: dict[str, dict[str, Any]] = {}
        stream = aiter(subscription)
        while len(received) < 2:
            channel, data = await asyncio.wait_for(anext(stream), timeout=5)
            received[channel] = decode_event(data)
    finally:
        await subscription.close()
    event = {"type": "user.status", "user_id": account.user_id, "status": "busy", "text": "deep in a merge"}
    assert received == {user_channel(account.user_id): event, project_channel(project.id): event}
    me = await (await client.get("/api/me", headers=account.headers)).json()
    assert (me["status"], me["status_text"]) == ("busy", "deep in a merge")


async def test_status_values_are_checked(client: TestClient[Any, Any]) -> None:
    account = await signup(client)
    for body in ({"status": "sleeping"}, {"status": "away", "text": "x" * 101}):
        resp = await client.put("/api/me/status", json=body, headers=account.headers)
        assert resp.status == 422, body
