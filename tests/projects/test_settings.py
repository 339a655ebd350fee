"""Project settings through the API: defaults, merging, validation, the change event, and new members' workspace."""

from __future__ import annotations

from typing import Any

import pytest

from backend import keys
from backend.events import project_channel
from backend.store.models import Membership
from tests.helpers import signup
from tests.projects.helpers import Client, add_member, create_project, error_code, expect, next_event


async def test_defaults_then_a_merged_patch_with_its_event(client: Client) -> None:
    ann = await signup(client)
    pid = (await create_project(client, ann))["id"]
    path = f"/api/projects/{pid}/settings"
    defaults = await expect(await client.get(path, headers=ann.headers), 200)
    assert defaults["default_branch"] == "main"
    assert defaults["activity_retention_days"] == 90
    assert defaults["conflict_sensitivity"] in {"conflict", "overlap", "nearby"}
    sub = await client.app[keys.BUS].subscribe(project_channel(pid))
    try:
        patch = {"default_branch": "develop", "notification_defaults": {"digest": "weekly"}}
        updated = await expect(await client.patch(path, json=patch, headers=ann.headers), 200)
        event = await next_event(sub, "project.settings_changed")
    finally:
        await sub.close()
    assert updated["default_branch"] == "develop"
    assert updated["notification_defaults"] == defaults["notification_defaults"] | {"digest": "weekly"}
    assert updated["activity_retention_days"] == 90
    assert event["changed"] == ["default_branch", "notification_defaults"]
    assert event["settings"] == updated
    assert event["by"] == ann.user_id
    assert await expect(await client.get(path, headers=ann.headers), 200) == updated


@pytest.mark.parametrize(
    "patch",
    [
        {"theme": "dark"},
        {"notification_defaults": {"pager": True}},
        {"activity_retention_days": "ninety"},
        {"activity_retention_days": -1},
        {"conflict_sensitivity": "all"},
        {"default_branch": "a..b"},
        {"default_branch": None},
        {"notification_defaults": {"email": None}},
        [],
    ],
)
async def test_invalid_patches_are_422(client: Client, patch: Any) -> None:
    ann = await signup(client)
    pid = (await create_project(client, ann))["id"]
    resp = await client.patch(f"/api/projects/{pid}/settings", json=patch, headers=ann.headers)
    body = await expect(resp, 422)
    assert body["error"]["code"] == "invalid"
    assert body["error"]["details"]


async def test_malformed_json_is_400(client: Client) -> None:
    ann = await signup(client)
    pid = (await create_project(client, ann))["id"]
    headers = ann.headers | {"Content-Type": "application/json"}
    resp = await client.patch(f"/api/projects/{pid}/settings", data=b'{"default_branch": ', headers=headers)
    assert await error_code(resp, 400) == "bad_request"


async def test_a_new_member_workspace_starts_from_the_notification_defaults(client: Client) -> None:
    ann = await signup(client)
    pid = (await create_project(client, ann))["id"]
    defaults = {"email": True, "desktop": False, "mentions": False, "digest": "off"}
    patch = {"notification_defaults": defaults, "conflict_sensitivity": "conflict"}
    await expect(await client.patch(f"/api/projects/{pid}/settings", json=patch, headers=ann.headers), 200)
    sub = await client.app[keys.BUS].subscribe(project_channel(pid))
    try:
        bob = await add_member(client, ann, pid, "developer")
        joined = await next_event(sub, "member.joined")
    finally:
        await sub.close()
    assert joined["user_id"] == bob.user_id
    assert joined["role"] == "developer"
    async with client.app[keys.STORE].session() as s:
        membership = await s.get(Membership, (pid, bob.user_id))
    assert membership is not None
    assert membership.preferences == {"notifications": defaults, "conflict_sensitivity": "conflict"}
