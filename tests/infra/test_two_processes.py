"""Two real ``tandem server`` processes on one PostgreSQL and one Redis behave as one service."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.infra.processes import ServerProcess, run_tandem, tandem_env, tandem_server

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis]
TIMEOUT = 15
SECRET = "two-processes-share-this-key-" + "k" * 16


@pytest.fixture
def two_servers(empty_postgres_url: str, redis_url: str, tmp_path: Path) -> Iterator[tuple[ServerProcess, ...]]:
    """Migrate a scratch database (scale-out never migrates on start), then start A and B on it."""
    env = tandem_env(
        database_url=empty_postgres_url,
        redis_url=redis_url,
        secret_key=SECRET,
        # Replicas behind one load balancer share its public URL, which tokens name as their issuer.
        public_url="http://tandem.test",
        data_dir=str(tmp_path / "data"),
        password_hash_memory_kib="1024",  # the processes' Argon2 cost; this test is not about hashing
        password_hash_time_cost="1",
        password_hash_parallelism="1",
    )
    migrated = run_tandem("db", "upgrade", env=env)
    assert migrated.returncode == 0, migrated.stderr
    with contextlib.ExitStack() as stack:
        a = stack.enter_context(tandem_server(env, tmp_path / "a.log"))
        b = stack.enter_context(tandem_server(env, tmp_path / "b.log"))
        a.wait_ready()
        b.wait_ready()
        yield a, b


async def next_event(stream: aiohttp.StreamReader) -> tuple[str, dict[str, Any]]:
    """The next Server-Sent Event (keep-alive comments skipped) as ``(event name, decoded data)``."""
    while True:
        frame = (await stream.readuntil(b"\n\n")).decode()
        fields = dict(line.split(": ", 1) for line in frame.splitlines() if line and not line.startswith(":"))
        if "data" in fields:
            return fields.get("event", "message"), json.loads(fields["data"])


async def test_an_event_on_one_process_reaches_a_stream_on_the_other(
    two_servers: tuple[ServerProcess, ...],
) -> None:
    a, b = two_servers
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=TIMEOUT)) as http:
        resp = await http.post(
            f"{a.base_url}/api/auth/register",
            json={"email": "ada@example.com", "password": "correct horse battery staple", "name": "Ada"},
        )
        assert resp.status == 201, await resp.text()
        auth = {"Authorization": f"Bearer {(await resp.json())['access_token']}"}
        resp = await http.post(f"{a.base_url}/api/projects", json={"name": "demo"}, headers=auth)
        assert resp.status == 201, await resp.text()
        project_id = (await resp.json())["id"]

        # The token signed by A is accepted by B: same secret key, same database.
        async with http.get(f"{b.base_url}/api/events", headers=auth) as stream:
            assert stream.status == 200, await stream.text()
            name, ready = await asyncio.wait_for(next_event(stream.content), TIMEOUT)
            assert name == "ready"
            assert any(project_id in channel for channel in ready["channels"])

            resp = await http.patch(
                f"{a.base_url}/api/projects/{project_id}/settings",
                json={"default_branch": "develop"},
                headers=auth,
            )
            assert resp.status == 200, await resp.text()

            name, event = await asyncio.wait_for(next_event(stream.content), TIMEOUT)
            assert name == "project.settings_changed", event
            assert event["type"] == "project.settings_changed"
            assert event["project_id"] == project_id
    # Both shut down cleanly (ending the open stream), and each served its part: the logs say so.
    assert a.stop() == 0
    assert b.stop() == 0
    assert '"msg":"POST /api/projects 201"' in a.output()
    assert '"msg":"GET /api/events 200"' in b.output()
