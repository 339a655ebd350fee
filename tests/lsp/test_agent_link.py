"""The language server and the agent: started on demand, restarted on request, quiet when nothing answers."""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from agent.config import Credentials, save_credentials, socket_path
from agent.localclient import LocalClient
from tests.agent_daemon.test_cli import process_exit
from tests.lsp.conftest import StartEditor, named_team


@pytest.fixture
async def runtimes(short_dir: Callable[[str], Path]) -> AsyncIterator[Callable[[], tuple[Path, Path]]]:
    """``runtimes()`` gives (config dir, runtime dir); an agent started there is stopped at the end."""
    made: list[Path] = []

    def make() -> tuple[Path, Path]:
        config, runtime = short_dir("cfg"), short_dir("run")
        made.append(runtime)
        return config, runtime

    yield make
    for runtime in made:
        if not socket_path(runtime).exists():
            continue
        try:
            async with LocalClient(socket_path(runtime)) as client:
                pid = (await client.call("status"))["agent"]["pid"]
                await client.call("stop")
        except OSError:
            continue
        await process_exit(pid)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


# ``runtimes`` before ``editors``: the editors close first, so none restarts an agent after it was stopped.
async def test_without_an_agent_or_a_backend_it_stays_quiet(
    runtimes: Callable[[], tuple[Path, Path]], editors: StartEditor
) -> None:
    config, runtime = runtimes()
    editor = await editors(runtime, config, options={"agentAutoStart": False})
    presence = await editor.presence_until(lambda p: p["connection"] == "no_agent")
    assert presence["summary"] == "agent not running"
    assert "tandem agent" in presence["message"]

    # Allowed to start the agent, whose saved server does not answer: offline, and still no pop-up.
    save_credentials(config, Credentials(server=f"http://127.0.0.1:{closed_port()}", token="tnd_x", email="a@b.c"))
    editor.configure({"agentAutoStart": True})
    presence = await editor.presence_until(lambda p: p["connection"] == "offline")
    assert presence["summary"] == "offline"
    assert "cannot reach" in presence["message"]
    assert editor.client.messages == []
    status = await editor.status()
    assert status["agent"]["pid"] != os.getpid()


async def test_it_starts_the_agent_and_restarts_it_on_request(
    client: TestClient[Any, Any], runtimes: Callable[[], tuple[Path, Path]], editors: StartEditor
) -> None:
    team = await named_team(client)
    config, runtime = runtimes()
    save_credentials(config, Credentials(server=team.server, token=team.tokens[0], email=team.accounts[0].email))
    editor = await editors(runtime, config)
    await editor.presence_until(lambda p: p["connection"] == "online")
    first = (await editor.status())["agent"]["pid"]
    assert first is not None
    assert first != os.getpid()

    result = await editor.command("tandem.restartAgent")
    assert result["ok"] is True
    assert result["pid"] not in (None, first)
    await process_exit(first)
    await editor.presence_until(lambda p: p["connection"] == "online")
