"""Every operation of ``/api/openapi.json`` fed fuzzed requests: no 500, the error shape, sentinel data intact."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from hypothesis import given

from tests.conftest import ClientFactory
from tests.fuzz import budget
from tests.fuzz.openapi import ResponseSchemas, operations
from tests.fuzz.requests import Case, Reply, cases, problems
from tests.fuzz.schemas import SchemaStrategies
from tests.fuzz.world import FUZZ_SETTINGS, build_world


async def fuzz_api(client: TestClient[Any, Any], per_operation: int) -> None:
    """Send ``per_operation`` fuzzed requests (times the scale) to every operation and check each reply.

    One Hypothesis run per operation: drawing the operation too would leave some of them unvisited.
    """
    document = await (await client.get("/api/openapi.json")).json()
    schemas = SchemaStrategies(document["components"]["schemas"])
    responses = ResponseSchemas(document)
    world = await build_world(client)
    before = await world.sentinel.snapshot(client)
    loop = asyncio.get_running_loop()

    async def exercise(case: Case) -> Reply:
        reply = await world.send(case)
        if reply.status < 300 and case.operation.method != "GET":
            await world.recover()
        return reply

    try:
        for operation in operations(document):
            # A snapshot: ids minted during the run (a new token, a new playground) must not change the strategy.
            known = world.known

            @budget.fuzzed(per_operation)
            @given(case=cases(operation, schemas, known, FUZZ_SETTINGS["max_body_bytes"]))
            def check(case: Case) -> None:
                reply = budget.on_loop(loop, exercise(case))
                found = problems(case, reply, responses)
                assert not found, f"{case.describe()}\n-> " + "\n-> ".join(found)

            await budget.run_examples(check)
    finally:
        await world.close()
    assert await world.sentinel.snapshot(client) == before


@pytest.mark.timeout(budget.TIMEOUT)
@pytest.mark.parametrize("store_kind", ["sqlite"])
async def test_no_request_gets_a_500_on_sqlite(make_client: ClientFactory, caplog: pytest.LogCaptureFixture) -> None:
    client = await make_client(**FUZZ_SETTINGS)
    await fuzz_api(client, 30)
    assert budget.logged_errors(caplog.records) == []


@pytest.mark.timeout(budget.TIMEOUT)
@pytest.mark.parametrize("store_kind", ["postgres"])
async def test_no_request_gets_a_500_on_postgres(make_client: ClientFactory, caplog: pytest.LogCaptureFixture) -> None:
    client = await make_client(**FUZZ_SETTINGS)
    await fuzz_api(client, 20)
    assert budget.logged_errors(caplog.records) == []
