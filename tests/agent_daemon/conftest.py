"""Fixtures: a real backend in-process, a team with a registered repository, clones, and running agents."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from agent.config import Credentials, save_credentials, socket_path
from agent.daemon import Agent
from agent.localclient import LocalClient
from tests.agent.sandbox import Sandbox, bare_origin, clone, init_repo, isolate_git_config
from tests.helpers import Account, make_team

REMOTE = "https://github.com/acme/widgets"
WAIT = 10.0

MAIN_PY = "".join(f"def f{i}(x):\n    y = x * {i}\n    return y + 1\n\n\n" for i in range(12))


@pytest.fixture(params=["sqlite"])
def store_kind(request: pytest.FixtureRequest) -> str:
    """The agent is what is tested here: one store is enough."""
    return str(request.param)


@pytest.fixture(autouse=True)
def isolated_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    isolate_git_config(tmp_path, monkeypatch)


@pytest.fixture
def short_dir() -> Iterator[Callable[[str], Path]]:
    """Short private folders (a Unix socket's path must stay under ~100 bytes)."""
    made: list[Path] = []

    def make(prefix: str) -> Path:
        path = Path(tempfile.mkdtemp(prefix=f"td-{prefix}-"))
        made.append(path)
        return path

    yield make
    for path in made:
        shutil.rmtree(path, ignore_errors=True)


@dataclass
class Team:
    client: TestClient[Any, Any]
    project_id: str
    repository_id: str
    accounts: list[Account]
    tokens: list[str]

    @property
    def server(self) -> str:
        return str(self.client.make_url("")).rstrip("/")


async def personal_token(client: TestClient[Any, Any], account: Account) -> tuple[str, str]:
    """A personal access token with the agent's scopes: (secret, id)."""
    body_in = {"name": "tests", "scopes": ["agent", "read"]}
    resp = await client.post("/api/me/tokens", json=body_in, headers=account.headers)
    body = await resp.json()
    assert resp.status == 201, body
    return str(body["token"]), str(body["id"])


async def team_with_repo(client: TestClient[Any, Any], size: int = 2) -> Team:
    project_id, accounts = await make_team(client, size)
    return await equip(client, project_id, accounts)


async def equip(client: TestClient[Any, Any], project_id: str, accounts: list[Account]) -> Team:
    """Register the test repository in the project (as its first account) and give everyone an agent token."""
    resp = await client.post(
        f"/api/projects/{project_id}/repositories", json={"remote_url": REMOTE}, headers=accounts[0].headers
    )
    body = await resp.json()
    assert resp.status == 201, body
    tokens = [(await personal_token(client, a))[0] for a in accounts]
    return Team(client, project_id, str(body["id"]), accounts, tokens)


@pytest.fixture
def origin(tmp_path: Path) -> Path:
    """The team's shared repository: main with a Python module, a README and a binary file."""
    bare = bare_origin(tmp_path / "origin.git")
    seed = init_repo(tmp_path / "seed")
    seed.write("README.md", "# Widgets\n")
    seed.write("app/main.py", MAIN_PY)
    seed.write("app/util.py", "def helper():\n    return 42\n")
    seed.write("logo.bin", bytes(range(256)) * 4)
    seed.write(".gitignore", "build/\n*.log\n")
    seed.commit("initial")
    seed.git("push", "-q", str(bare), "main")
    return bare


def clone_of(origin: Path, root: Path) -> Sandbox:
    """A developer's clone whose remote says github.com/acme/widgets (the registered URL)."""
    box = clone(origin, root)
    box.git("remote", "set-url", "origin", REMOTE + ".git")
    box.git("checkout", "-q", "-b", "feature")
    return box


@pytest.fixture
async def start_agent(short_dir: Callable[[str], Path]) -> AsyncIterator[Callable[..., Awaitable[Agent]]]:
    """``await start_agent(team, index, *paths)``: an in-process agent signed in as ``team.accounts[index]``."""
    agents: list[Agent] = []

    async def start(team: Team, index: int, *paths: Path) -> Agent:
        config, runtime = short_dir("cfg"), short_dir("run")
        account = team.accounts[index]
        save_credentials(config, Credentials(server=team.server, token=team.tokens[index], email=account.email))
        agent = Agent(config, runtime, socket_path(runtime))
        agents.append(agent)
        await agent.start(paths)
        return agent

    yield start
    for agent in agents:
        await agent.close()


class Observer:
    """A subscribed client of an agent's socket: waits for its notifications until a condition holds."""

    def __init__(self, client: LocalClient) -> None:
        self.client = client

    async def until(self, condition: Callable[[], Awaitable[bool]]) -> None:
        async with asyncio.timeout(WAIT):
            while not await condition():
                await self.client.events.get()


@pytest.fixture
async def observe() -> AsyncIterator[Callable[[Agent], Awaitable[Observer]]]:
    clients: list[LocalClient] = []

    async def make(agent: Agent) -> Observer:
        client = LocalClient(agent.socket, client="tests")
        await client.__aenter__()
        clients.append(client)
        await client.call("subscribe")
        return Observer(client)

    yield make
    for client in clients:
        await client.__aexit__(None, None, None)
