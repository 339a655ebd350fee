"""Conflicts and activity in a real browser: a finding made by two protocol clients appears live, anchors highlight."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient
from playwright.async_api import expect

from backend import keys
from tests.dashboard.conftest import NewPage, live, sign_in
from tests.helpers import Account, add_member, create_project, signup
from tests.hub.wsclient import ProtocolClient

pytestmark = pytest.mark.asyncio(loop_scope="module")
REMOTE = "git@github.com:acme/widgets.git"


def change(path: str, start: int, lines: int, text_hash: str) -> dict[str, Any]:
    hunk = {"base_start": start, "base_lines": lines, "new_start": start, "new_lines": lines, "hash": text_hash}
    return {"path": path, "status": "modified", "hunks": [{**hunk, "symbols": ["Server.handle"]}]}


async def snapshot(proto: ProtocolClient, repository_id: str, branch: str, *files: dict[str, Any]) -> dict[str, Any]:
    return await proto.call(
        "activity.snapshot",
        workcopy="laptop",
        seq=1,
        state={"repository_id": repository_id, "branch": branch, "head": "abc", "base": "base1"},
        files=list(files),
        focus={"path": files[0]["path"], "line": 41} if files else None,
    )


class Team:
    def __init__(self, project_id: str, repository_id: str, ada: Account, bob: Account) -> None:
        self.project_id, self.repository_id, self.ada, self.bob = project_id, repository_id, ada, bob


@pytest_asyncio.fixture(loop_scope="module")
async def team(server: TestClient[Any, Any]) -> Team:
    ada, bob = await signup(server, name="Ada"), await signup(server, name="Bob")
    project_id = await create_project(server, ada, "Widgets")
    await add_member(server, project_id, ada, bob)
    resp = await server.post(
        f"/api/projects/{project_id}/repositories", json={"remote_url": REMOTE}, headers=ada.headers
    )
    assert resp.status == 201
    return Team(project_id, (await resp.json())["id"], ada, bob)


@pytest_asyncio.fixture(loop_scope="module")
async def agents(server: TestClient[Any, Any], team: Team) -> AsyncIterator[tuple[ProtocolClient, ProtocolClient]]:
    """Ada's and Bob's agents, as the hub sees them: bearer-authenticated protocol clients."""
    protos = []
    for account in (team.ada, team.bob):
        proto = ProtocolClient(await server.ws_connect("/api/ws", headers=account.headers))
        await proto.hello()
        await proto.call("repo.resolve", remote_url=REMOTE)
        protos.append(proto)
    yield protos[0], protos[1]
    for proto in protos:
        await proto.close()


async def test_a_conflict_appears_live_and_its_anchor_highlights_it(
    server: TestClient[Any, Any],
    team: Team,
    agents: tuple[ProtocolClient, ProtocolClient],
    new_page: NewPage,
    tmp_path: Path,
) -> None:
    page = await new_page()
    conflicts = f"/dashboard/projects/{team.project_id}/conflicts"
    await sign_in(page, team.ada, conflicts)
    await expect(page.get_by_text("No open conflicts")).to_be_visible()
    await live(page)

    ada_agent, bob_agent = agents
    await snapshot(ada_agent, team.repository_id, "feat/login", change("src/app.py", 40, 5, "ada"))
    reply = await snapshot(bob_agent, team.repository_id, "fix/login", change("src/app.py", 42, 3, "bob"))
    (finding,) = reply["findings"]

    # No reload: the finding event reaches Ada's open page.
    card = page.locator(f"article[id='{finding['id']}']")
    await expect(card).to_contain_text("src/app.py")
    await expect(card).to_contain_text("conflict")
    await expect(card).to_contain_text("Ada (you) on feat/login and Bob on fix/login")
    await expect(card).to_contain_text("lines 40\N{EN DASH}44")
    await expect(card).to_contain_text("Server.handle")
    await expect(card).not_to_have_class(re.compile("highlight"))

    # The editor's link: the anchor names the finding, and the page highlights it (here, and on a fresh load).
    await page.evaluate("(id) => { window.location.hash = id; }", finding["id"])
    await expect(card).to_have_class(re.compile(r"\bhighlight\b"))
    await server.app[keys.HUB].activity.recorder.flush()  # the store writes findings in batches
    fresh = await new_page()
    await sign_in(fresh, team.bob, f"{conflicts}#{finding['id']}")
    fresh_card = fresh.locator(f"article[id='{finding['id']}']")
    await expect(fresh_card).to_have_class(re.compile(r"\bhighlight\b"))
    await expect(fresh_card).to_be_focused()
    await fresh_card.get_by_text("History").click()  # what the store recorded of it, fetched on demand
    await expect(fresh_card.get_by_role("list", name="History")).to_contain_text("Opened as conflict")
    await fresh.screenshot(path=str(tmp_path / "conflicts.png"), full_page=True)

    # Dismissing is an editor action; the page shows it (to Ada only).
    await ada_agent.call("finding.dismiss", finding_id=finding["id"])
    await expect(card).to_contain_text("You dismissed this")
    await expect(fresh_card).not_to_contain_text("dismissed")

    # Bob reverts: the finding resolves and leaves Bob's page without a reload. Ada muted it, so the hub no
    # longer tells her about it: her page learns it at its next refetch (here: a reload).
    await bob_agent.call("activity.update", workcopy="laptop", seq=2, removed=["src/app.py"])
    await expect(fresh_card).to_have_count(0)
    await expect(fresh.get_by_text("is not open any more")).to_be_visible()
    await server.app[keys.HUB].activity.recorder.flush()
    await page.reload()
    await expect(page.get_by_text("No open conflicts")).to_be_visible()

    # Following the editor's link after it resolved says so, with the finding's history.
    late = await new_page()
    await sign_in(late, team.bob, f"{conflicts}#{finding['id']}")
    resolved = late.get_by_role("status").filter(has_text="was resolved")
    await expect(resolved).to_contain_text("src/app.py")
    history = resolved.get_by_role("list", name="History")
    await expect(history.get_by_role("listitem")).to_have_text([re.compile("^Opened as conflict"), re.compile("^Resolved")])


async def test_presence_shows_branch_and_file_and_activity_is_filtered(
    server: TestClient[Any, Any], team: Team, agents: tuple[ProtocolClient, ProtocolClient], new_page: NewPage
) -> None:
    page = await new_page()
    await sign_in(page, team.ada, f"/dashboard/projects/{team.project_id}")
    await live(page)
    bob = page.locator("li.person", has_text="Bob")
    await expect(bob).to_have_attribute("data-state", "offline")

    _, bob_agent = agents
    await snapshot(bob_agent, team.repository_id, "fix/login", change("docs/guide.md", 1, 2, "x"))
    await expect(bob).to_have_attribute("data-state", "online")
    await expect(bob).to_contain_text("fix/login")
    await expect(bob).to_contain_text("docs/guide.md")

    await server.app[keys.HUB].activity.recorder.flush()
    await page.get_by_role("link", name="Activity").click()
    await expect(page.get_by_role("row").filter(has_text="docs/guide.md")).to_contain_text("Bob")
    await page.get_by_label("Person").select_option(label="Ada (you)")
    await page.get_by_role("button", name="Filter").click()
    await expect(page).to_have_url(re.compile(r"/activity\?user_id="))
    await expect(page.get_by_text("No activity matches.")).to_be_visible()
