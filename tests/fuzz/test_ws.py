"""The hub fed fuzzed frames after ``hello``: each answered with one well-formed reply, the connection kept open."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
import pytest
from aiohttp.test_utils import TestClient
from hypothesis import given

from backend.hub.connection import command_schema
from tests.conftest import ClientFactory
from tests.fuzz import budget
from tests.fuzz.frames import Frame, HubSession, command_frames, garbage_frames
from tests.fuzz.schemas import SchemaStrategies
from tests.fuzz.world import FUZZ_SETTINGS, build_world

# Frames up to 4x this get an error reply; only larger ones close the connection (1009), which is not fuzzed.
MAX_MESSAGE_BYTES = 64 * 1024
HUB_SETTINGS = {**FUZZ_SETTINGS, "ws_max_message_bytes": MAX_MESSAGE_BYTES, "ws_rate": 1e6, "ws_burst": 1_000_000}


async def fuzz_hub(client: TestClient[Any, Any], per_command: int) -> None:
    """Send ``per_command`` fuzzed frames (times the scale) of each command type, and as many garbage frames."""
    world = await build_world(client)
    await world.close()  # only its accounts, projects and credentials are needed here
    session = HubSession(client, world.credentials["access"])
    schema = command_schema()
    schemas = SchemaStrategies(schema["$defs"])
    known = world.known | {"workcopy": ("wc-1", "wc-2")}
    runs = [garbage_frames(MAX_MESSAGE_BYTES)] + [
        command_frames(schemas, ref, known, MAX_MESSAGE_BYTES) for ref in schema["anyOf"]
    ]
    loop = asyncio.get_running_loop()
    for frames in runs:

        @budget.fuzzed(per_command)
        @given(frame=frames)
        def check(frame: Frame) -> None:
            found = budget.on_loop(loop, session.exchange(frame))
            assert not found, f"{frame.describe()}\n-> " + "\n-> ".join(found)

        await budget.run_examples(check)
    ping = Frame(orjson.dumps({"id": "last", "type": "ping"}), False, "last")
    assert await session.exchange(ping) == []
    await session.close()


@pytest.mark.timeout(budget.TIMEOUT)
@pytest.mark.parametrize("store_kind", ["sqlite"])
async def test_every_frame_is_answered_on_sqlite(make_client: ClientFactory, caplog: pytest.LogCaptureFixture) -> None:
    await fuzz_hub(await make_client(**HUB_SETTINGS), 50)
    assert budget.logged_errors(caplog.records) == []


@pytest.mark.timeout(budget.TIMEOUT)
@pytest.mark.parametrize("store_kind", ["postgres"])
async def test_every_frame_is_answered_on_postgres(
    make_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    await fuzz_hub(await make_client(**HUB_SETTINGS), 25)
    assert budget.logged_errors(caplog.records) == []
