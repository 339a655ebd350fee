"""Presence over the hub: subscriptions checked against membership, changes pushed to teammates, sweeps."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from backend import keys
from tests.conftest import Connect
from tests.helpers import make_team, signup


async def test_subscribe_requires_membership(client: TestClient[Any, Any], connect: Connect) -> None:
    project_id, _ = await make_team(client, 1)
    stranger = await signup(client)
    proto = await connect(client, stranger)
    reply = await proto.request("subscribe", project_id=project_id)
    assert reply["ok"] is False
    assert reply["error"]["code"] == "not_found"


async def test_subscribe_is_refused_after_removal_and_after_the_project_is_deleted(
    client: TestClient[Any, Any], connect: Connect
) -> None:
    project_id, (alice, bob) = await make_team(client)
    a, b = await connect(client, alice), await connect(client, bob)
    await b.call("subscribe", project_id=project_id)
    resp = await client.delete(f"/api/projects/{project_id}/members/{bob.user_id}", headers=alice.headers)
    assert resp.status == 204
    reply = await b.request("subscribe", project_id=project_id)
    assert reply["error"]["code"] == "not_found"
    await a.call("subscribe", project_id=project_id)
    resp = await client.delete(f"/api/projects/{project_id}", headers=alice.headers)
    assert resp.status == 204
    reply = await a.request("subscribe", project_id=project_id)  # its memberships went with it
    assert reply["error"]["code"] == "not_found"


async def test_teammates_see_each_other_come_online(client: TestClient[Any, Any], connect: Connect) -> None:
    project_id, (alice, bob) = await make_team(client)
    a = await connect(client, alice)
    result = await a.call("subscribe", project_id=project_id)
    assert [p["user_id"] for p in result["presence"]] == [alice.user_id]

    b = await connect(client, bob)
    result = await b.call("subscribe", project_id=project_id)
    assert {p["user_id"] for p in result["presence"]} == {alice.user_id, bob.user_id}
    event = await a.event(lambda e: e["type"] == "presence" and e["user_id"] == bob.user_id)
    assert event["state"] == "online"
    assert event["project_id"] == project_id

    await b.call("presence.set", activity="away")
    event = await a.event(lambda e: e["type"] == "presence" and e["user_id"] == bob.user_id)
    assert event["state"] == "away"

    resp = await client.get(f"/api/projects/{project_id}/presence", headers=alice.headers)
    states = {p["user_id"]: p["state"] for p in (await resp.json())["items"]}
    assert states == {alice.user_id: "online", bob.user_id: "away"}


async def test_presence_endpoint_hides_projects_from_strangers(client: TestClient[Any, Any]) -> None:
    project_id, _ = await make_team(client, 1)
    stranger = await signup(client)
    resp = await client.get(f"/api/projects/{project_id}/presence", headers=stranger.headers)
    assert resp.status == 404


async def test_silent_member_goes_offline_once(make_client: Any, connect: Connect) -> None:
    client = await make_client(presence_offline_after=0.3, presence_sweep_interval=0.1)
    project_id, (alice, bob) = await make_team(client)
    a = await connect(client, alice)
    await a.call("subscribe", project_id=project_id)
    b = await connect(client, bob)
    await b.call("subscribe", project_id=project_id)
    await b.close()
    event = await a.event(lambda e: e["type"] == "presence" and e["user_id"] == bob.user_id and e["state"] == "offline")
    assert event["project_id"] == project_id


async def test_removed_member_stops_receiving_project_events(client: TestClient[Any, Any], connect: Connect) -> None:
    project_id, (alice, bob) = await make_team(client)
    b = await connect(client, bob)
    await b.call("subscribe", project_id=project_id)
    resp = await client.delete(f"/api/projects/{project_id}/members/{bob.user_id}", headers=alice.headers)
    assert resp.status == 204
    await b.event(lambda e: e["type"] == "member.left")
    hub = client.app[keys.HUB]
    assert project_id not in hub.by_project or not any(
        c.caller is not None and c.caller.user_id == bob.user_id for c in hub.by_project[project_id]
    )


@pytest.mark.parametrize("store_kind", ["postgres"], indirect=True)
async def test_presence_is_shared_through_redis(make_client: Any, redis_url: str, connect: Connect) -> None:
    """Two apps on one Redis and one database answer the same presence."""
    first = await make_client(redis_url=redis_url)
    second = await make_client(redis_url=redis_url)
    project_id, (alice, bob) = await make_team(first)
    a = await connect(first, alice)
    await a.call("subscribe", project_id=project_id)
    b = await connect(second, bob)
    await b.call("subscribe", project_id=project_id)
    event = await a.event(lambda e: e["type"] == "presence" and e["user_id"] == bob.user_id)
    assert event["state"] == "online"
    resp = await first.get(f"/api/projects/{project_id}/presence", headers=alice.headers)
    assert {p["user_id"] for p in (await resp.json())["items"]} == {alice.user_id, bob.user_id}


@pytest.mark.parametrize("store_kind", ["postgres"], indirect=True)
async def test_a_restart_does_not_make_the_team_flap(make_client: Any, redis_url: str, connect: Connect) -> None:
    """Presence lives in Redis: a process going away and its clients coming back elsewhere shows no offline."""
    fast = {"redis_url": redis_url, "presence_offline_after": 5.0, "presence_sweep_interval": 0.05}
    first = await make_client(**fast)
    second = await make_client(**fast)
    project_id, (alice, bob) = await make_team(first)
    a = await connect(first, alice)
    await a.call("subscribe", project_id=project_id)
    b = await connect(second, bob)
    await b.call("subscribe", project_id=project_id)

    await first.server.close()  # alice's process goes away
    assert await a.wait_closed() == 1001
    back = await connect(second, alice)
    await back.call("subscribe", project_id=project_id)
    # Several sweeps ran on the second process meanwhile; none found alice silent.
    hub = second.app[keys.HUB]
    for _ in range(3):
        await hub.presence.sweep()
    await b.call("ping")
    while not b.events.empty():
        event = b.events.get_nowait()
        assert not (event["type"] == "presence" and event["state"] == "offline"), event
    states = {e.user_id: e.state for e in await hub.presence.view(project_id)}
    assert states[alice.user_id] == "online"


async def test_shutdown_lets_every_handler_detach_before_the_subscription_goes(
    make_client: Any, redis_url: str, connect: Connect, caplog: pytest.LogCaptureFixture
) -> None:
    """Handlers unsubscribe while the process shuts down: none of them may hit a Redis connection closed under it."""
    server = await make_client(redis_url=redis_url)
    clients = []
    for _ in range(4):
        project_id, (member,) = await make_team(server, 1)
        proto = await connect(server, member)
        await proto.call("subscribe", project_id=project_id)
        clients.append(proto)
    hub = server.app[keys.HUB]
    await asyncio.wait_for(server.server.close(), 20)
    assert [await proto.wait_closed() for proto in clients] == [1001] * 4
    assert not hub.by_user
    assert not hub.by_project
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
