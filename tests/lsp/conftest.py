"""Fixtures: a real backend in-process, two named people with agents, clones, and their editors."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from agent.daemon import Agent
from tests.agent.sandbox import Sandbox
from tests.agent_daemon import conftest as daemon
from tests.agent_daemon.conftest import Team, clone_of
from tests.helpers import add_member, create_project, signup
from tests.lsp.editor import Editor, start_editor, stop_editor

NAMES = ("Alice Moreau", "Bob Tanaka")

# The agent's test fixtures, shared: one store (SQLite), isolated git, short socket dirs, the origin, agents.
store_kind = daemon.store_kind
isolated_git = daemon.isolated_git
short_dir = daemon.short_dir
origin = daemon.origin
start_agent = daemon.start_agent


async def named_team(client: TestClient[Any, Any]) -> Team:
    """Alice (owner) and Bob (developer) in one project with the registered repository."""
    accounts = [await signup(client, name=name) for name in NAMES]
    project_id = await create_project(client, accounts[0], "Widgets")
    await add_member(client, project_id, accounts[0], accounts[1])
    return await daemon.equip(client, project_id, accounts)


@dataclass
class Person:
    """One side: their clone, their agent (in this process) and their editor (a ``tandem lsp`` subprocess)."""

    box: Sandbox
    agent: Agent
    editor: Editor

    def path(self, rel: str) -> Path:
        return self.box.root / rel


StartEditor = Callable[..., Awaitable[Editor]]


@pytest.fixture
async def editors() -> AsyncIterator[StartEditor]:
    """``await editors(runtime, config, **kwargs)``: an editor with ``tandem lsp``; shut down at the end."""
    started: list[Editor] = []

    async def start(runtime: Path, config: Path, **kwargs: Any) -> Editor:
        editor = await start_editor(runtime, config, **kwargs)
        started.append(editor)
        return editor

    yield start
    for editor in started:
        await stop_editor(editor)


@pytest.fixture
async def pair(
    client: TestClient[Any, Any],
    origin: Path,
    tmp_path: Path,
    start_agent: Callable[..., Awaitable[Agent]],
    editors: StartEditor,
) -> tuple[Team, Person, Person]:
    """Alice and Bob, each with a clone of the registered repository, an agent and an editor."""
    team = await named_team(client)
    people = []
    for index, who in enumerate(("alice", "bob")):
        box = clone_of(origin, tmp_path / who)
        agent = await start_agent(team, index, box.root)
        editor = await editors(agent.runtime_dir, agent.config_dir, root=box.root)
        people.append(Person(box, agent, editor))
    return team, people[0], people[1]
