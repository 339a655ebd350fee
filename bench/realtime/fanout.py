"""Benchmark 4: presence fan-out, deliveries per server CPU-second beside the relay's, and encodes per event."""

from __future__ import annotations

import asyncio
import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import orjson
from aiohttp import web

from bench.realtime import wire
from bench.realtime.procs import Proc, Stack, free_port
from bench.realtime.stats import Row
from bench.realtime.team import make_teams
from bench.realtime.workers import ClientSpec, Pool, split


@dataclass(frozen=True)
class Plan:
    receivers: int
    messages: int
    rate: float
    """Presence changes a second the driver makes."""
    workers: int = 2


FULL = Plan(receivers=100, messages=2000, rate=400)
QUICK = Plan(receivers=30, messages=300, rate=300)
PRESENCE_LIKE = orjson.dumps(
    {
        "type": "presence",
        "project_id": "p" * 32,
        "user_id": "u" * 32,
        "state": "away",
        "branch": "feature",
        "file": "src/pkg3/mod61.py",
        "last_active": time.time(),
    }
)
"""What the relay forwards: as large as a presence event."""


@dataclass
class Fanned:
    deliveries: int
    per_cpu_second: float
    per_second: float


async def _drive(send: Callable[[int], Any], plan: Plan) -> None:
    """Make ``plan.messages`` changes at ``plan.rate`` a second, catching up in bursts when the loop lags."""
    started = time.perf_counter()
    for n in range(plan.messages):
        due = started + n / plan.rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        await send(n)


async def fan(server: Proc, clients: list[ClientSpec], plan: Plan, driver: wire.Conn, kind: str) -> Fanned:
    pool = Pool([{"clients": part, "seed": n} for n, part in enumerate(split(clients, plan.workers))])
    try:
        await pool.call("connect", {})
        if kind == "tandem":
            await pool.call("subscribe")
        await asyncio.sleep(1.0)
        before, started, cpu = (await pool.total())["events"], time.perf_counter(), server.cpu()
        server.profile(plan.messages / plan.rate, f"fanout-{kind}")
        if kind == "tandem":
            replies = []

            async def change(n: int) -> None:
                replies.append(await driver.send("presence.set", activity="away" if n % 2 == 0 else "active"))

            await _drive(change, plan)
            await asyncio.gather(*replies)
        else:

            async def forward(_n: int) -> None:
                await driver.ws.send_bytes(PRESENCE_LIKE)

            await _drive(forward, plan)
        expected = before + plan.messages * len(clients)
        deadline = time.monotonic() + 30
        # The counts live in other processes: poll them.
        while (count := (await pool.total())["events"]) < expected and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        elapsed, cpu = time.perf_counter() - started, server.cpu() - cpu
    finally:
        await pool.close()
    deliveries = count - before
    if deliveries < plan.messages * len(clients):
        print(f"fan-out [{kind}]: only {deliveries} of {plan.messages * len(clients)} deliveries arrived", flush=True)
    return Fanned(deliveries, deliveries / cpu if cpu else 0.0, deliveries / elapsed)


# -- encoded once per event, not once per receiver: counted in a process of our own ----------------------


class EncodeCounter:
    """Counts calls of ``orjson.dumps`` made by the backend's code while installed (``sys.setprofile``)."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, frame: FrameType, event: str, arg: Any) -> None:
        if event == "c_call" and arg is orjson.dumps and frame.f_globals.get("__name__", "").startswith("backend"):
            self.calls += 1


async def encodes_per_event(receivers: int, events: int = 20) -> float:
    """Run the app in this process, make ``events`` presence changes, and count the backend's encodes."""
    from backend.app import create_app
    from backend.settings import Settings

    port = free_port()
    settings = Settings(
        data_dir=Path(tempfile.mkdtemp(prefix="tandem-bench-encodes-")),
        secret_key=secrets.token_urlsafe(48),
        password_hash_memory_kib=8,
        password_hash_time_cost=1,
        password_hash_parallelism=1,
        port=port,
    )
    runner = web.AppRunner(create_app(settings))
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    received = 0
    arrived = asyncio.Event()

    def count(frame: dict[str, Any], _at: float) -> None:
        nonlocal received
        if frame.get("type") == "presence":
            received += 1
            arrived.set()

    try:
        (team,) = await make_teams(f"http://127.0.0.1:{port}", [receivers + 1], prefix="encodes")
        driver_account, *others = team.members
        async with wire.session() as session:
            url = f"ws://127.0.0.1:{port}/api/ws"
            conns = [await wire.connect(session, url, m.token, on_event=count) for m in others]
            for conn in conns:
                await conn.call("subscribe", project_id=team.project_id)
            driver = await wire.connect(session, url, driver_account.token)
            await driver.call("subscribe", project_id=team.project_id)
            await asyncio.sleep(0.5)  # the subscribers' own "online" events go out before counting starts
            counter = EncodeCounter()
            sys.setprofile(counter)
            try:
                for n in range(events):
                    received = 0
                    await driver.call("presence.set", activity="away" if n % 2 == 0 else "active")
                    while received < receivers:
                        arrived.clear()
                        await asyncio.wait_for(arrived.wait(), 10)
            finally:
                sys.setprofile(None)
            for conn in [*conns, driver]:
                await conn.close()
    finally:
        await runner.cleanup()
    return counter.calls / events


async def run(stack: Stack, *, quick: bool) -> list[Row]:
    plan = QUICK if quick else FULL
    r = plan.receivers
    print(f"fan-out: relay floor ({r} receivers)", flush=True)
    (relay,) = await stack.relay()
    room = relay.ws_url + "/ws?room=fan"
    async with wire.session() as session:
        driver = await wire.connect(session, room, hello=False)
        floor = await fan(relay, [{"url": room, "hello": False} for _ in range(r)], plan, driver, "relay")
        await driver.close()
    stack.stop(relay)

    deployment = await stack.tandem(name="fanout")
    (server,) = deployment.servers
    (team,) = await stack.teams(deployment, f"fanout{r}", [r + 1])
    owner, *members = team.members
    url = server.ws_url + "/api/ws"
    clients = [{"url": url, "token": m.token, "project_id": team.project_id} for m in members]
    async with wire.session() as session:
        driver = await wire.connect(session, url, owner.token)
        await driver.call("subscribe", project_id=team.project_id)
        result = await fan(server, clients, plan, driver, "tandem")
        await driver.close()
    stack.stop(server)

    print("fan-out: counting encodes in-process", flush=True)
    small, large = (3, 12) if quick else (5, 40)
    few, many = await encodes_per_event(small), await encodes_per_event(large)
    bench = "4 fan-out"
    note = f"{r} receivers, {plan.messages} presence changes at {plan.rate:.0f}/s"
    return [
        Row(
            bench,
            "embedded",
            "deliveries per server CPU-second",
            result.per_cpu_second,
            "/s",
            floor.per_cpu_second,
            "≥ 0.5x relay",
            result.per_cpu_second >= 0.5 * floor.per_cpu_second,
            note,
        ),
        Row(bench, "embedded", "deliveries/s (paced)", result.per_second, "/s", floor.per_second),
        Row(bench, "embedded", f"backend encodes per presence change, {small} receivers", few, ""),
        Row(
            bench,
            "embedded",
            f"backend encodes per presence change, {large} receivers",
            many,
            "",
            target=f"same as with {small}",
            passed=many <= few,
        ),
    ]
