"""GET /api/events through the real app: the user's events, membership following, shutdown, and Redis."""

from __future__ import annotations

import asyncio

from aiohttp import ClientResponse

from backend.events import project_channel, user_channel
from tests.conftest import ClientFactory
from tests.helpers import Account, signup
from tests.projects.helpers import TIMEOUT, Client, create_project, error_code, expect, invite, next_sse


async def open_stream(client: Client, account: Account) -> tuple[ClientResponse, dict[str, object]]:
    resp = await client.get("/api/events", headers=account.headers)
    assert resp.status == 200
    assert resp.headers["Content-Type"].startswith("text/event-stream")
    return resp, await next_sse(resp, "ready")


async def test_needs_a_signed_in_caller(client: Client) -> None:
    assert await error_code(await client.get("/api/events"), 401) == "unauthorized"


async def test_stream_follows_joining_and_leaving(client: Client) -> None:
    ann, bob = await signup(client), await signup(client)
    pid = (await create_project(client, ann))["id"]
    stream, ready = await open_stream(client, bob)
    assert ready["channels"] == [user_channel(bob.user_id)]
    try:
        token = (await invite(client, ann, pid, bob.email))["token"]
        assert (await next_sse(stream, "invitation.created"))["project_id"] == pid
        await expect(await client.post(f"/api/invitations/{token}/accept", headers=bob.headers), 200)
        assert (await next_sse(stream, "membership.added"))["project_id"] == pid
        # Bob was not a member when the stream opened: it now follows the project's channel too.
        await expect(await client.patch(f"/api/projects/{pid}", json={"name": "Renamed"}, headers=ann.headers), 200)
        assert (await next_sse(stream, "project.updated"))["name"] == "Renamed"

        await expect(await client.delete(f"/api/projects/{pid}/members/{bob.user_id}", headers=ann.headers), 204)
        assert (await next_sse(stream, "membership.removed"))["project_id"] == pid
        # No longer followed: the project's next event does not arrive, the personal one after it does.
        await expect(await client.patch(f"/api/projects/{pid}", json={"name": "Again"}, headers=ann.headers), 200)
        other = (await create_project(client, ann))["id"]
        await invite(client, ann, other, bob.email)
        frame = await asyncio.wait_for(stream.content.readuntil(b"\n\n"), TIMEOUT)
        assert frame.startswith(b"event: invitation.created\n"), frame
    finally:
        stream.close()


async def test_stream_starts_with_the_users_projects_and_ends_on_shutdown(client: Client) -> None:
    ann = await signup(client)
    pid = (await create_project(client, ann))["id"]
    stream, ready = await open_stream(client, ann)
    assert ready["channels"] == [user_channel(ann.user_id), project_channel(pid)]
    await expect(
        await client.patch(f"/api/projects/{pid}/settings", json={"default_branch": "trunk"}, headers=ann.headers), 200
    )
    assert (await next_sse(stream, "project.settings_changed"))["settings"]["default_branch"] == "trunk"
    # Shutting the server down ends the stream promptly instead of waiting out aiohttp's shutdown timeout.
    await asyncio.wait_for(client.server.close(), TIMEOUT)
    assert await asyncio.wait_for(stream.content.read(), TIMEOUT) == b""


async def test_events_from_another_backend_process_arrive_through_redis(
    make_client: ClientFactory, redis_url: str
) -> None:
    first = await make_client(redis_url=redis_url)
    second = await make_client(redis_url=redis_url)  # another app on the same database and Redis
    ann, bob = await signup(first), await signup(first)
    pid = (await create_project(second, ann))["id"]
    stream, _ = await open_stream(first, bob)
    try:
        token = (await invite(second, ann, pid, bob.email))["token"]
        await expect(await second.post(f"/api/invitations/{token}/accept", headers=bob.headers), 200)
        assert (await next_sse(stream, "membership.added"))["project_id"] == pid
        await expect(await second.patch(f"/api/projects/{pid}", json={"description": "d"}, headers=ann.headers), 200)
        assert (await next_sse(stream, "project.updated"))["description"] == "d"
    finally:
        stream.close()
