"""The invitation lifecycle through the API: tokens, accept and decline, reuse, expiry, resend, revoke."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from backend import keys
from backend.events import user_channel
from backend.store.models import Invitation, Membership
from tests.helpers import signup
from tests.projects.helpers import Client, create_project, error_code, expect, invite, next_event


class Clock:
    """The invitation service's clock, moved by the test instead of waiting."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


@pytest.fixture
def clock(client: Client) -> Iterator[Clock]:
    services = client.app[keys.SERVICES]
    fake = Clock()
    before = services.invitations.clock
    services.invitations.clock = fake
    yield fake
    services.invitations.clock = before


async def test_create_shows_the_token_once_and_stores_only_its_digest(client: Client) -> None:
    ann, bob = await signup(client), await signup(client)
    pid = (await create_project(client, ann, "Apollo"))["id"]
    sub = await client.app[keys.BUS].subscribe(user_channel(bob.user_id))
    try:
        issued = await invite(client, ann, pid, bob.email.upper(), "maintainer")
        told = await next_event(sub, "invitation.created")
    finally:
        await sub.close()
    token, inv = issued["token"], issued["invitation"]
    public_url = client.app[keys.SETTINGS].effective_public_url
    assert issued["accept_url"] == f"{public_url}/invitations/{token}"
    assert inv["email"] == bob.email  # compared without case
    assert inv["state"] == "pending"
    assert inv["sent_count"] == 1
    assert inv["project_name"] == "Apollo"
    assert told["invitation_id"] == inv["id"]
    assert "token" not in told
    async with client.app[keys.STORE].session() as s:
        row = await s.get(Invitation, inv["id"])
    assert row is not None
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    listed = await expect(await client.get(f"/api/projects/{pid}/invitations", headers=ann.headers), 200)
    assert [i["id"] for i in listed["items"]] == [inv["id"]]
    assert "token" not in listed["items"][0]


async def test_accept_joins_once_and_only_for_the_invited_address(client: Client) -> None:
    ann, bob, eve = await signup(client), await signup(client), await signup(client)
    pid = (await create_project(client, ann))["id"]
    token = (await invite(client, ann, pid, bob.email, "viewer"))["token"]
    wrong = await client.post(f"/api/invitations/{token}/accept", headers=eve.headers)
    body = await expect(wrong, 403)
    assert body["error"]["code"] == "wrong_account"
    assert "another address" in body["error"]["message"]
    joined = await expect(await client.post(f"/api/invitations/{token}/accept", headers=bob.headers), 200)
    assert joined["id"] == pid
    assert joined["role"] == "viewer"
    again = await client.post(f"/api/invitations/{token}/accept", headers=bob.headers)
    assert await error_code(again, 409) == "invitation_used"
    assert await error_code(await client.post(f"/api/invitations/{token}/decline", headers=bob.headers), 409)
    assert await error_code(await client.post("/api/invitations/not-a-token/accept", headers=bob.headers), 404)
    assert await error_code(await client.post(f"/api/invitations/{token}/accept"), 401) == "unauthorized"
    listed = await expect(await client.get(f"/api/projects/{pid}/invitations", headers=ann.headers), 200)
    assert listed["items"] == []


async def test_decline_leaves_no_membership(client: Client) -> None:
    ann, bob = await signup(client), await signup(client)
    pid = (await create_project(client, ann))["id"]
    token = (await invite(client, ann, pid, bob.email))["token"]
    await expect(await client.post(f"/api/invitations/{token}/decline", headers=bob.headers), 204)
    resp = await client.post(f"/api/invitations/{token}/accept", headers=bob.headers)
    assert await error_code(resp, 409) == "invitation_declined"
    assert await error_code(await client.get(f"/api/projects/{pid}", headers=bob.headers), 404)
    # Declined is answered: the address can be invited again.
    await invite(client, ann, pid, bob.email)


async def test_duplicates_are_409(client: Client) -> None:
    ann, bob = await signup(client), await signup(client)
    pid = (await create_project(client, ann))["id"]
    first = await invite(client, ann, pid, "carol@example.com")
    resp = await client.post(
        f"/api/projects/{pid}/invitations", json={"email": "Carol@example.com"}, headers=ann.headers
    )
    body = await expect(resp, 409)
    assert body["error"]["code"] == "already_invited"
    assert body["error"]["details"] == {"invitation_id": first["invitation"]["id"]}
    token = (await invite(client, ann, pid, bob.email))["token"]
    await expect(await client.post(f"/api/invitations/{token}/accept", headers=bob.headers), 200)
    resp = await client.post(f"/api/projects/{pid}/invitations", json={"email": bob.email}, headers=ann.headers)
    assert await error_code(resp, 409) == "already_member"
    resp = await client.post(f"/api/projects/{pid}/invitations", json={"email": ann.email}, headers=ann.headers)
    assert await error_code(resp, 409) == "already_member"


@pytest.mark.parametrize(
    "body",
    [{"email": "not-an-address"}, {"email": "a@b.c", "role": "admin"}, {"email": "a@b.c", "note": "hi"}, {}],
)
async def test_bad_invitations_are_422(client: Client, body: dict[str, str]) -> None:
    ann = await signup(client)
    pid = (await create_project(client, ann))["id"]
    resp = await client.post(f"/api/projects/{pid}/invitations", json=body, headers=ann.headers)
    assert await error_code(resp, 422) == "invalid"


async def test_expired_invitations_cannot_be_used_and_do_not_block(client: Client, clock: Clock) -> None:
    ann, bob = await signup(client), await signup(client)
    pid = (await create_project(client, ann))["id"]
    token = (await invite(client, ann, pid, bob.email))["token"]
    clock.offset = timedelta(seconds=client.app[keys.SETTINGS].invitation_ttl + 1)
    resp = await client.post(f"/api/invitations/{token}/accept", headers=bob.headers)
    body = await expect(resp, 409)
    assert body["error"]["code"] == "invitation_expired"
    assert "expired" in body["error"]["message"]
    assert (await expect(await client.get("/api/me/invitations", headers=bob.headers), 200))["items"] == []
    assert (await expect(await client.get(f"/api/projects/{pid}/invitations", headers=ann.headers), 200))["items"] == []
    fresh = await invite(client, ann, pid, bob.email)
    await expect(await client.post(f"/api/invitations/{fresh['token']}/accept", headers=bob.headers), 200)


async def test_resend_replaces_the_token_and_extends_the_expiry(client: Client, clock: Clock) -> None:
    ann, bob = await signup(client), await signup(client)
    pid = (await create_project(client, ann))["id"]
    first = await invite(client, ann, pid, bob.email)
    clock.offset = timedelta(days=3)
    path = f"/api/projects/{pid}/invitations/{first['invitation']['id']}/resend"
    second = await expect(await client.post(path, headers=ann.headers), 200)
    assert second["token"] != first["token"]
    assert second["invitation"]["id"] == first["invitation"]["id"]
    assert second["invitation"]["sent_count"] == 2
    assert second["invitation"]["expires_at"] > first["invitation"]["expires_at"]
    old = await client.post(f"/api/invitations/{first['token']}/accept", headers=bob.headers)
    assert await error_code(old, 404) == "invitation_not_found"
    await expect(await client.post(f"/api/invitations/{second['token']}/accept", headers=bob.headers), 200)
    assert await error_code(await client.post(path, headers=ann.headers), 409) == "invitation_accepted"


async def test_revoke(client: Client) -> None:
    ann, bob = await signup(client), await signup(client)
    pid = (await create_project(client, ann))["id"]
    issued = await invite(client, ann, pid, bob.email)
    path = f"/api/projects/{pid}/invitations/{issued['invitation']['id']}"
    sub = await client.app[keys.BUS].subscribe(user_channel(bob.user_id))
    try:
        await expect(await client.delete(path, headers=ann.headers), 204)
        assert (await next_event(sub, "invitation.revoked"))["invitation_id"] == issued["invitation"]["id"]
    finally:
        await sub.close()
    resp = await client.post(f"/api/invitations/{issued['token']}/accept", headers=bob.headers)
    assert await error_code(resp, 409) == "invitation_revoked"
    assert await error_code(await client.delete(path, headers=ann.headers), 409) == "invitation_revoked"
    assert await error_code(await client.delete(f"/api/projects/{pid}/invitations/nope", headers=ann.headers), 404)
    other = (await create_project(client, ann))["id"]
    elsewhere = f"/api/projects/{other}/invitations/{issued['invitation']['id']}/resend"
    assert await error_code(await client.post(elsewhere, headers=ann.headers), 404)


async def test_my_invitations_are_listed_without_tokens_and_answerable_by_id(client: Client) -> None:
    ann, bob, eve = await signup(client), await signup(client), await signup(client)
    first = (await create_project(client, ann, "First"))["id"]
    second = (await create_project(client, ann, "Second"))["id"]
    a = (await invite(client, ann, first, bob.email, "maintainer"))["invitation"]
    b = (await invite(client, ann, second, bob.email))["invitation"]
    await invite(client, ann, first, eve.email)
    mine = await expect(await client.get("/api/me/invitations", headers=bob.headers), 200)
    assert [(i["id"], i["project_name"], i["role"]) for i in mine["items"]] == [
        (a["id"], "First", "maintainer"),
        (b["id"], "Second", "developer"),
    ]
    assert all("token" not in i for i in mine["items"])
    assert await error_code(await client.post(f"/api/me/invitations/{a['id']}/accept", headers=eve.headers), 404)
    joined = await expect(await client.post(f"/api/me/invitations/{a['id']}/accept", headers=bob.headers), 200)
    assert joined["role"] == "maintainer"
    await expect(await client.post(f"/api/me/invitations/{b['id']}/decline", headers=bob.headers), 204)
    assert (await expect(await client.get("/api/me/invitations", headers=bob.headers), 200))["items"] == []
    resp = await client.post(f"/api/me/invitations/{b['id']}/accept", headers=bob.headers)
    assert await error_code(resp, 409) == "invitation_declined"
    async with client.app[keys.STORE].session() as s:
        rows = (await s.execute(select(Membership).where(Membership.user_id == bob.user_id))).scalars().all()
    assert [(m.project_id, m.role) for m in rows] == [(first, "maintainer")]


async def test_an_invitation_can_be_sent_before_the_account_exists(client: Client) -> None:
    ann = await signup(client)
    pid = (await create_project(client, ann))["id"]
    token = (await invite(client, ann, pid, "later@example.com"))["token"]
    later = await signup(client, "later@example.com")
    await expect(await client.post(f"/api/invitations/{token}/accept", headers=later.headers), 200)
