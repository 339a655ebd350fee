"""Every role against every project action through the API: allowed, 403 for too small a role, 404 outside."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import ClientResponse

from tests.helpers import Account, signup
from tests.projects.helpers import Client, Team, add_member, expect, invite, make_team

_fresh = itertools.count(1)
ROLES = ("owner", "maintainer", "developer", "viewer")
ALL, MANAGERS, OWNERS = set(ROLES), {"owner", "maintainer"}, {"owner"}


@dataclass
class World:
    client: Client
    team: Team

    def path(self, rest: str = "") -> str:
        return f"/api/projects/{self.team.project_id}{rest}"

    async def member(self, role: str) -> Account:
        """A new member with ``role``, to be acted on (so one attempt does not change the next)."""
        return await add_member(self.client, self.team.owner, self.team.project_id, role)

    async def invitation(self) -> str:
        return str((await invite(self.client, self.team.owner, self.team.project_id, email()))["invitation"]["id"])


Act = Callable[[World, Account], Awaitable[ClientResponse]]


def email() -> str:
    return f"invitee{next(_fresh)}@example.com"


async def set_role(w: World, actor: Account, *, of: str, to: str) -> ClientResponse:
    target = await w.member(of)
    return await w.client.patch(w.path(f"/members/{target.user_id}"), json={"role": to}, headers=actor.headers)


async def remove(w: World, actor: Account, *, of: str) -> ClientResponse:
    target = await w.member(of)
    return await w.client.delete(w.path(f"/members/{target.user_id}"), headers=actor.headers)


async def invite_as(w: World, actor: Account, *, role: str) -> ClientResponse:
    return await w.client.post(w.path("/invitations"), json={"email": email(), "role": role}, headers=actor.headers)


async def resend(w: World, actor: Account) -> ClientResponse:
    return await w.client.post(w.path(f"/invitations/{await w.invitation()}/resend"), headers=actor.headers)


async def revoke(w: World, actor: Account) -> ClientResponse:
    return await w.client.delete(w.path(f"/invitations/{await w.invitation()}"), headers=actor.headers)


# action -> (how to attempt it, the roles that may, the status when they may). Attempted by the outsider,
# then from the smallest role up, so the owner's "delete project" comes last of all.
TABLE: dict[str, tuple[Act, set[str], int]] = {
    "read project": (lambda w, a: w.client.get(w.path(), headers=a.headers), ALL, 200),
    "list members": (lambda w, a: w.client.get(w.path("/members"), headers=a.headers), ALL, 200),
    "read settings": (lambda w, a: w.client.get(w.path("/settings"), headers=a.headers), ALL, 200),
    "update project": (
        lambda w, a: w.client.patch(w.path(), json={"description": "x"}, headers=a.headers),
        MANAGERS,
        200,
    ),
    "update settings": (
        lambda w, a: w.client.patch(w.path("/settings"), json={"activity_retention_days": 30}, headers=a.headers),
        MANAGERS,
        200,
    ),
    "list invitations": (lambda w, a: w.client.get(w.path("/invitations"), headers=a.headers), MANAGERS, 200),
    "invite a viewer": (lambda w, a: invite_as(w, a, role="viewer"), MANAGERS, 201),
    "invite a maintainer": (lambda w, a: invite_as(w, a, role="maintainer"), MANAGERS, 201),
    "invite an owner": (lambda w, a: invite_as(w, a, role="owner"), OWNERS, 201),
    "resend an invitation": (resend, MANAGERS, 200),
    "revoke an invitation": (revoke, MANAGERS, 204),
    "make a viewer developer": (lambda w, a: set_role(w, a, of="viewer", to="developer"), MANAGERS, 200),
    "make a developer maintainer": (lambda w, a: set_role(w, a, of="developer", to="maintainer"), MANAGERS, 200),
    "make a developer owner": (lambda w, a: set_role(w, a, of="developer", to="owner"), OWNERS, 200),
    "make a maintainer developer": (lambda w, a: set_role(w, a, of="maintainer", to="developer"), OWNERS, 200),
    "make an owner maintainer": (lambda w, a: set_role(w, a, of="owner", to="maintainer"), OWNERS, 200),
    "remove a viewer": (lambda w, a: remove(w, a, of="viewer"), MANAGERS, 204),
    "remove a developer": (lambda w, a: remove(w, a, of="developer"), MANAGERS, 204),
    "remove a maintainer": (lambda w, a: remove(w, a, of="maintainer"), OWNERS, 204),
    "remove an owner": (lambda w, a: remove(w, a, of="owner"), OWNERS, 204),
    "delete the project": (lambda w, a: w.client.delete(w.path(), headers=a.headers), OWNERS, 204),
}


async def test_roles_times_actions(client: Client) -> None:
    world = World(client=client, team=await make_team(client))
    outsider = await signup(client)
    wrong: list[str] = []
    for action, (act, allowed, ok) in TABLE.items():
        for role in ("outsider", *reversed(ROLES)):
            actor = outsider if role == "outsider" else world.team.by_role(role)
            expected = 404 if role == "outsider" else ok if role in allowed else 403
            resp = await act(world, actor)
            body: Any = None if resp.status == 204 else await resp.json()
            if resp.status != expected:
                wrong.append(f"{role} / {action}: expected {expected}, got {resp.status} {body}")
            elif expected >= 400:
                assert body["error"]["code"] == ("not_found" if expected == 404 else "forbidden")
    assert not wrong, "\n".join(wrong)
    await expect(await client.get(world.path(), headers=world.team.owner.headers), 404)
