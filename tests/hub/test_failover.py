"""Scale-out failover: a backend process dies while two people work; nothing they were told is lost or doubled."""

from __future__ import annotations

import asyncio
import signal
from typing import Any

import aiohttp
import pytest

from tandem.protocol import CloseCode
from tests.helpers import PASSWORD
from tests.hub.test_activity import change, hunk
from tests.hub.wsclient import ProtocolClient
from tests.infra.processes import ServerProcess
from tests.infra.test_two_processes import two_servers  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]
TIMEOUT = 15


async def _account(http: aiohttp.ClientSession, server: ServerProcess, email: str) -> tuple[str, dict[str, str]]:
    resp = await http.post(
        f"{server.base_url}/api/auth/register", json={"email": email, "password": PASSWORD, "name": email}
    )
    body = await resp.json()
    assert resp.status == 201, body
    return body["user"]["id"], {"Authorization": f"Bearer {body['access_token']}"}


async def _connect(http: aiohttp.ClientSession, server: ServerProcess, headers: dict[str, str]) -> ProtocolClient:
    ws = await http.ws_connect(f"{server.base_url}/api/ws", headers=headers)
    proto = ProtocolClient(ws)
    await proto.hello()
    return proto


async def _snapshot(proto: ProtocolClient, repository_id: str, files: list[dict[str, Any]]) -> dict[str, Any]:
    return await proto.call(
        "activity.snapshot",
        workcopy="laptop",
        seq=1,
        state={"repository_id": repository_id, "branch": "main", "head": "h", "base": "b"},
        files=files,
    )


async def test_killed_process_clients_resync_on_the_other_without_losing_or_doubling(
    two_servers: tuple[ServerProcess, ...],  # noqa: F811
) -> None:
    a, b = two_servers
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT)) as http:
        alice_id, alice = await _account(http, a, "alice@example.com")
        bob_id, bob = await _account(http, a, "bob@example.com")
        project = await (await http.post(f"{a.base_url}/api/projects", json={"name": "p"}, headers=alice)).json()
        invite = await (
            await http.post(
                f"{a.base_url}/api/projects/{project['id']}/invitations",
                json={"email": "bob@example.com", "role": "developer"},
                headers=alice,
            )
        ).json()
        assert (await http.post(f"{a.base_url}/api/invitations/{invite['token']}/accept", headers=bob)).status == 200
        repo = await (
            await http.post(
                f"{a.base_url}/api/projects/{project['id']}/repositories",
                json={"remote_url": "https://example.com/acme/app"},
                headers=alice,
            )
        ).json()

        on_a = await _connect(http, a, alice)  # alice works through A, bob through B
        on_b = await _connect(http, b, bob)
        alice_files = [change("app.py", hunk(10, 3, text_hash="alice"))]
        await _snapshot(on_a, repo["id"], alice_files)
        result = await _snapshot(on_b, repo["id"], [change("app.py", hunk(11, 1, text_hash="bob"))])
        (finding,) = result["findings"]
        for proto in (on_a, on_b):
            opened = await proto.event(lambda e: e["type"] == "finding")
            assert opened["finding"]["id"] == finding["id"]

        a.process.send_signal(signal.SIGKILL)  # no goodbye: the socket just dies
        a.process.wait(timeout=TIMEOUT)
        assert await on_a.wait_closed() in (None, CloseCode.GOING_AWAY, 1006)

        # Alice's agent reconnects, to the surviving process, and resyncs with a full snapshot.
        again = await _connect(http, b, alice)
        resynced = await _snapshot(again, repo["id"], alice_files)
        assert [f["id"] for f in resynced["findings"]] == [finding["id"]]  # not lost

        # Bob was not told about it a second time: nothing changed for him.
        await on_b.call("ping")
        while not on_b.events.empty():
            event = on_b.events.get_nowait()
            assert event["type"] != "finding" or event["change"] != "opened", event

        # And the project lists it exactly once.
        await asyncio.sleep(0)  # the recorder's batch is flushed on its own schedule: poll the API below
        deadline = asyncio.get_running_loop().time() + TIMEOUT
        while True:
            resp = await http.get(f"{b.base_url}/api/projects/{project['id']}/conflicts", headers=bob)
            items = (await resp.json())["items"]
            if items or asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(0.1)
        assert [i["id"] for i in items] == [finding["id"]]
        assert {items[0]["user_a"], items[0]["user_b"]} == {alice_id, bob_id}
        await again.close()
        await on_b.close()
