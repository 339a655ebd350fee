"""What a language server gets from the local socket: findings in buffer coordinates, presence, errors."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from agent.daemon import Agent
from agent.localclient import AgentError
from tests.agent_daemon.conftest import MAIN_PY, Observer, clone_of, team_with_repo

StartAgent = Callable[..., Awaitable[Agent]]
Observe = Callable[[Agent], Awaitable[Observer]]


async def next_findings(observer: Observer, file: Path, *, empty: bool = False) -> list[dict[str, Any]]:
    async with asyncio.timeout(10):
        while True:
            event = await observer.client.events.get()
            if event["type"] == "findings" and event["file"] == str(file) and bool(event["findings"]) != empty:
                found: list[dict[str, Any]] = event["findings"]
                return found


async def test_findings_follow_an_unsaved_buffer_in_its_coordinates(
    client: Any, start_agent: StartAgent, observe: Observe, tmp_path: Path, origin: Path
) -> None:
    team = await team_with_repo(client, 2)
    a, b = clone_of(origin, tmp_path / "a"), clone_of(origin, tmp_path / "b")
    a.write("app/main.py", MAIN_PY.replace("y = x * 5", "y = x * 50"))
    alice = await start_agent(team, 0, a.root)
    bob = await start_agent(team, 1, b.root)
    watch_alice, watch_bob = await observe(alice), await observe(bob)

    # Bob types two lines above f5 and changes its body, unsaved.
    file = b.root / "app/main.py"
    text = "# one\n# two\n" + MAIN_PY.replace("y = x * 5", "y = x * 500")
    await watch_bob.client.call("buffer.open", path=str(file), text=text, version=7)
    (finding,) = await next_findings(watch_bob, file)
    assert finding["severity"] == "conflict"
    assert finding["version"] == 7
    region = finding["regions"][0]
    assert region["mine"]["new"] == {"start": 29, "lines": 1}  # line 27 of the file, 29 in the buffer
    assert region["mine"]["base"] == {"start": 27, "lines": 1}
    assert finding["other"]["user_id"] == team.accounts[0].user_id
    assert (await watch_bob.client.call("findings", path=str(file)))["findings"] == [finding]
    (seen_by_alice,) = await next_findings(watch_alice, a.root / "app/main.py")
    assert seen_by_alice["regions"][0]["mine"]["new"] == {"start": 27, "lines": 1}

    status = await watch_bob.client.call("status", path=str(b.root))
    assert [p["user_id"] for p in status["presence"]] == [team.accounts[0].user_id]

    # Closing the buffer: the file on disk is unchanged, so the conflict resolves for both.
    await watch_bob.client.call("buffer.close", path=str(file))
    assert await next_findings(watch_bob, file, empty=True) == []
    assert await next_findings(watch_alice, a.root / "app/main.py", empty=True) == []


async def test_bad_requests_get_error_replies(
    client: Any, start_agent: StartAgent, observe: Observe, tmp_path: Path
) -> None:
    team = await team_with_repo(client, 1)
    agent = await start_agent(team, 0)
    observer = await observe(agent)
    for path, code in (
        ("relative/path", "invalid"),
        (str(tmp_path / "missing"), "not_found"),
        (str(tmp_path), "not_a_repository"),
    ):
        with pytest.raises(AgentError) as refused:
            await observer.client.call("workcopy.add", path=path)
        assert refused.value.code == code
    writer = observer.client._writer
    assert writer is not None
    writer.write(b"not json\n")
    reply = await observer.client.call("hello", protocol=1)  # the connection survived the bad line
    assert reply["protocol"] == 1
