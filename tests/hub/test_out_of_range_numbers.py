"""Ids past 64 bits and activity numbers past any file are ``invalid``; they used to end the connection."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp.test_utils import TestClient

from tests.conftest import Connect
from tests.helpers import make_team
from tests.hub.test_activity import change, hunk, register_repo
from tests.hub.wsclient import WAIT, ProtocolClient

HUGE = 2**70


async def ask(proto: ProtocolClient, message: dict[str, Any]) -> dict[str, Any]:
    """Send with the stdlib encoder (orjson will not write such numbers); the reply arrives unclaimed."""
    await proto.send_raw(json.dumps(message))
    return await asyncio.wait_for(proto.orphans.get(), WAIT)


async def test_a_command_id_past_64_bits(client: TestClient[Any, Any], connect: Connect) -> None:
    _, (alice,) = await make_team(client, 1)
    proto = await connect(client, alice)
    reply = await ask(proto, {"id": HUGE, "type": "ping"})
    assert reply == {"id": None, "ok": False, "error": reply["error"]}
    assert reply["error"]["code"] == "invalid"
    assert await proto.call("ping") == {}


async def test_activity_numbers_past_any_file(client: TestClient[Any, Any], connect: Connect) -> None:
    project_id, (alice,) = await make_team(client, 1)
    repository_id = await register_repo(client, project_id, alice)
    proto = await connect(client, alice)
    state = {"repository_id": repository_id, "branch": "feat", "head": "abc", "base": "base1"}
    cases: list[dict[str, Any]] = [
        {"seq": HUGE, "files": []},
        {"seq": 1, "files": [change("a.py", hunk(HUGE, 1))]},
        {"seq": 1, "files": [change("a.py", hunk(1, HUGE))]},
        {"seq": 1, "files": [], "focus": {"path": "a.py", "line": HUGE}},
    ]
    for n, fields in enumerate(cases):
        reply = await ask(
            proto, {"id": f"c{n}", "type": "activity.snapshot", "workcopy": "wc", "state": state, **fields}
        )
        assert reply["ok"] is False, (fields, reply)
        assert reply["error"]["code"] == "invalid", (fields, reply)
    result = await proto.call("activity.snapshot", workcopy="wc", seq=2**62, state=state, files=[])
    assert result["seq"] == 2**62
