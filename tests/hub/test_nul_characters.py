"""Hub commands with a NUL character in their text are ``invalid`` on both stores, not ``internal`` on PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.conftest import Connect
from tests.helpers import make_team

COMMANDS: list[dict[str, Any]] = [
    {"type": "subscribe", "project_id": "a\x00"},
    {"type": "repo.resolve", "remote_url": "git@example.com:a\x00/b.git"},
    {"type": "mention.send", "user_id": "u\x00", "text": "hi", "project_id": "p"},
    {"type": "activity.snapshot", "workcopy": "wc", "seq": 1, "state": {"repository_id": "\x00"}},
]


@pytest.mark.parametrize("command", COMMANDS, ids=[c["type"] for c in COMMANDS])
async def test_nul_in_a_command_is_invalid(
    client: TestClient[Any, Any], connect: Connect, command: dict[str, Any]
) -> None:
    _, (alice,) = await make_team(client, 1)
    proto = await connect(client, alice)
    fields = {k: v for k, v in command.items() if k != "type"}
    reply = await proto.request(command["type"], **fields)
    assert reply["ok"] is False, reply
    assert reply["error"]["code"] == "invalid", reply
    assert "NUL" in reply["error"]["message"]
    assert await proto.call("ping") == {}


async def test_an_escaped_backslash_before_u0000_is_not_a_nul(client: TestClient[Any, Any], connect: Connect) -> None:
    _, (alice,) = await make_team(client, 1)
    proto = await connect(client, alice)
    reply = await proto.request("subscribe", project_id="\\u0000")
    assert reply["error"]["code"] == "not_found", reply
