"""The team in a real browser: register, create a project, invite by link, accept, members and live presence."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from playwright.async_api import Page, expect

from tests.dashboard.conftest import NewPage, live, sign_in
from tests.helpers import PASSWORD, add_member, create_project, signup

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def register(page: Page, name: str, email: str) -> None:
    await page.get_by_label("Name").fill(name)
    await page.get_by_label("Email").fill(email)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Create account").click()


async def test_invite_accept_members_and_presence(new_page: NewPage, tmp_path: Path) -> None:
    ada, bob = await new_page(), await new_page()

    # Ada registers and creates a project.
    await ada.goto("/dashboard/")
    await expect(ada).to_have_url(re.compile(r"/dashboard/signin\?next="))
    await ada.get_by_role("link", name="Create one").click()
    await register(ada, "Ada", "ada@example.com")
    await expect(ada.get_by_role("heading", name="Projects", exact=True)).to_be_visible()
    await ada.get_by_label("Name").fill("Widgets")
    await ada.get_by_role("button", name="Create project").click()
    await expect(ada.get_by_role("heading", name="Widgets", level=1)).to_be_visible()
    project_path = re.sub(r"^https?://[^/]+", "", ada.url)

    # She invites Bob as a developer; the accept link is shown once.
    await ada.get_by_role("link", name="Invitations").last.click()
    await ada.get_by_label("Email").fill("bob@example.com")
    await ada.get_by_role("button", name="Invite").click()
    link = await ada.get_by_label("Accept link").input_value()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/invitations/[\w-]+", link), link
    await expect(ada.get_by_role("row", name=re.compile("bob@example.com"))).to_contain_text("developer")

    # Bob opens the link with no account: he signs up from there and comes back to accept.
    await bob.goto(link)
    await expect(bob.get_by_role("heading", name="You are invited to a Tandem project")).to_be_visible()
    await bob.get_by_role("link", name="Create an account").click()
    await register(bob, "Bob", "bob@example.com")
    await expect(bob).to_have_url(link)
    await bob.get_by_role("button", name="Accept invitation").click()
    await expect(bob.get_by_role("heading", name="Widgets", level=1)).to_be_visible()
    assert bob.url.endswith(project_path), "the accepted invitation leads to the project"

    # Ada's pending list empties by itself; Bob is among the members, with his role.
    await expect(ada.get_by_role("row", name=re.compile("bob@example.com"))).to_have_count(0)
    await ada.get_by_role("link", name="Members").click()
    bob_row = ada.get_by_role("row", name=re.compile("bob@example.com"))
    await expect(bob_row).to_contain_text("developer")

    # Bob has the project open: Ada sees him online in the presence list, live.
    await ada.get_by_role("link", name="Presence").click()
    await live(ada)
    bob_presence = ada.locator("li.person", has_text="Bob")
    await expect(bob_presence).to_have_attribute("data-state", "online")
    await expect(ada.locator("li.person", has_text="Ada (you)")).to_have_attribute("data-state", "online")
    await ada.screenshot(path=str(tmp_path / "presence.png"), full_page=True)
    assert (tmp_path / "presence.png").stat().st_size > 5_000


async def test_my_invitations_accept_and_decline(server: TestClient[Any, Any], new_page: NewPage) -> None:
    owner, me = await signup(server, name="Olga"), await signup(server, name="Max")
    first = await create_project(server, owner, "Gears")
    await create_project(server, owner, "Sprockets")
    projects = (await (await server.get("/api/projects", headers=owner.headers)).json())["items"]
    for project in projects:
        resp = await server.post(
            f"/api/projects/{project['id']}/invitations",
            json={"email": me.email, "role": "viewer"},
            headers=owner.headers,
        )
        assert resp.status == 201

    page = await new_page()
    await sign_in(page, me, "/dashboard/invitations")
    await expect(page.get_by_role("listitem").filter(has_text="Gears")).to_contain_text("As viewer")
    await page.get_by_role("button", name="Decline the invitation to Sprockets").click()
    await expect(page.locator("main").get_by_role("status")).to_contain_text("You declined the invitation to Sprockets")
    await expect(page.get_by_role("heading", name="Sprockets")).to_have_count(0)
    await page.get_by_role("button", name="Accept the invitation to Gears").click()
    await expect(page.get_by_role("heading", name="Gears", level=1)).to_be_visible()
    assert page.url.endswith(f"/dashboard/projects/{first}")


async def test_viewer_sees_no_member_management(server: TestClient[Any, Any], new_page: NewPage) -> None:
    owner = await signup(server, name="Owen")
    viewer, dev = await signup(server, name="Vera"), await signup(server, name="Dev")
    project_id = await create_project(server, owner, "Cogs")
    await add_member(server, project_id, owner, viewer, role="viewer")
    await add_member(server, project_id, owner, dev)

    page = await new_page()
    await sign_in(page, viewer, f"/dashboard/projects/{project_id}/members")
    await expect(page.get_by_role("row")).to_have_count(4)  # header + three members
    await expect(page.get_by_role("button", name=re.compile("Change role|Remove"))).to_have_count(0)
    await expect(page.get_by_role("combobox")).to_have_count(0)
    await expect(page.get_by_role("button", name="Leave project")).to_have_count(1)
    tabs = page.get_by_role("navigation", name="Project")
    await expect(tabs.get_by_role("link", name="Invitations")).to_have_count(0)
    await page.get_by_role("link", name="Settings").click()
    await expect(page.get_by_label("Default branch")).to_be_disabled()

    # The owner does see them, and uses them.
    boss = await new_page()
    await sign_in(boss, owner, f"/dashboard/projects/{project_id}/members")
    await boss.get_by_label("Role for Dev").select_option("maintainer")
    await boss.get_by_role("button", name="Change role of Dev").click()
    await expect(boss.get_by_role("row", name=re.compile("Dev")).get_by_role("cell").nth(2)).to_have_text("maintainer")
    await boss.get_by_role("button", name="Remove Vera").click()
    await expect(boss.get_by_role("row", name=re.compile("Vera"))).to_have_count(0)
    # Vera's open page follows: she is no longer a member, so it leaves the project.
    await expect(page).to_have_url(re.compile(r"/dashboard/projects$"))
