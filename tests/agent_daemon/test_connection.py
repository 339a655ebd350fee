"""The agent's connection: reconnecting after a backend restart, pausing, and clear states when it cannot work."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from agent import uplink as uplink_module
from agent.daemon import Agent
from backend import keys
from backend.app import create_app
from backend.settings import Settings
from tests.agent_daemon.conftest import MAIN_PY, Observer, clone_of, personal_token, team_with_repo
from tests.agent_daemon.test_activity import held, in_sync, setup
from tests.helpers import create_project

StartAgent = Callable[..., Awaitable[Agent]]
Observe = Callable[[Agent], Awaitable[Observer]]


async def connection_state(observer: Observer, *states: str) -> dict[str, Any]:
    """Wait for the agent to report one of ``states`` (its current status counts)."""
    async with asyncio.timeout(10):
        status = await observer.client.call("status")
        while status["connection"]["state"] not in states:
            event = await observer.client.events.get()
            if event["type"] == "connection":
                status = {"connection": event["connection"]}
    return dict(status["connection"])


async def test_reconnects_after_a_backend_restart_and_resends_everything(
    make_client: Any, settings: Settings, start_agent: StartAgent, observe: Observe, tmp_path: Path, origin: Path
) -> None:
    first = await make_client()
    team, agent, workcopy, box, observer = await setup(first, start_agent, observe, tmp_path, origin)
    await in_sync(team, agent, workcopy, observer)
    port = first.server.port

    await first.close()  # the backend goes away (its hub closes sockets with 1001)
    await connection_state(observer, "offline", "connecting")
    box.write("app/main.py", MAIN_PY.replace("return y + 1", "return y + 2", 1))  # edited while offline

    second = TestClient(TestServer(create_app(settings, migrate=False), port=port))
    await second.start_server()
    try:
        team.client = second
        view = await in_sync(team, agent, workcopy, observer)
        assert set(view.files) == {"app/main.py"}
    finally:
        await second.close()


async def test_pause_withdraws_and_shows_away_resume_reports_again(
    client: Any, start_agent: StartAgent, observe: Observe, tmp_path: Path, origin: Path
) -> None:
    team, agent, workcopy, box, observer = await setup(client, start_agent, observe, tmp_path, origin)
    box.write("README.md", "# edited\n")
    await in_sync(team, agent, workcopy, observer)

    result = await observer.client.call("pause")
    assert result["paused"] is True
    assert held(team, agent, workcopy) is None
    presence = await client.app[keys.HUB].presence.view(team.project_id)
    assert {p.user_id: p.state for p in presence}[team.accounts[0].user_id] == "away"
    sent = workcopy.messages
    box.write("README.md", "# edited while paused\n")
    status = await observer.client.call("status")
    assert status["workcopies"][0]["status"] == "paused"

    await observer.client.call("resume")
    view = await in_sync(team, agent, workcopy, observer)
    assert set(view.files) == {"README.md"}
    assert workcopy.messages == sent + 1  # one snapshot; nothing was queued while paused


async def test_revoked_token_says_so(
    client: Any, start_agent: StartAgent, observe: Observe, tmp_path: Path, origin: Path
) -> None:
    team = await team_with_repo(client, 1)
    token, token_id = await personal_token(client, team.accounts[0])
    resp = await client.delete(f"/api/me/tokens/{token_id}", headers=team.accounts[0].headers)
    assert resp.status == 204
    team.tokens[0] = token
    agent = await start_agent(team, 0)
    connection = await connection_state(await observe(agent), "unauthorized")
    assert "tandem login" in connection["message"]


async def test_incompatible_backend_says_so(
    client: Any, start_agent: StartAgent, observe: Observe, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(uplink_module, "PROTOCOL_VERSION", 999)
    team = await team_with_repo(client, 1)
    agent = await start_agent(team, 0)
    connection = await connection_state(await observe(agent), "incompatible")
    assert "upgrade" in connection["message"]


async def test_unknown_and_ambiguous_repositories_say_what_to_do(
    client: Any, start_agent: StartAgent, observe: Observe, tmp_path: Path, origin: Path
) -> None:
    team = await team_with_repo(client, 1)
    box = clone_of(origin, tmp_path / "alice")
    box.git("remote", "set-url", "origin", "git@github.com:acme/unregistered.git")
    agent = await start_agent(team, 0)
    observer = await observe(agent)
    await connection_state(observer, "online")
    info = await observer.client.call("workcopy.add", path=str(box.root))
    assert info["status"] == "unknown_repository"
    assert "tandem init" in info["message"]
    assert "github.com/acme/unregistered" in info["message"]

    owner = team.accounts[0]
    second = await create_project(client, owner, "Other")
    for project in (team.project_id, second):
        resp = await client.post(
            f"/api/projects/{project}/repositories",
            json={"remote_url": "https://github.com/acme/unregistered"},
            headers=owner.headers,
        )
        assert resp.status == 201
    await observer.client.call("workcopy.remove", path=str(box.root))
    info = await observer.client.call("workcopy.add", path=str(box.root))
    assert info["status"] == "ambiguous_repository"
    assert second in info["message"]

    (box.root / ".tandem.toml").write_text(f'project_id = "{second}"\n')
    await observer.client.call("workcopy.remove", path=str(box.root))
    info = await observer.client.call("workcopy.add", path=str(box.root))
    assert info["status"] == "ready"
    assert info["project_id"] == second
    assert info["files"] == 0  # the link file itself is not reported
