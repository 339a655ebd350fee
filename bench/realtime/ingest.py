"""Benchmark 2: activity updates a second through one backend process, findings computed, beside a relay's echo."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from bench.realtime import population
from bench.realtime.procs import Proc, Stack
from bench.realtime.stats import Row
from bench.realtime.workers import ClientSpec, Pool, split


@dataclass(frozen=True)
class Plan:
    window: int = 8
    """Updates each connection keeps in flight."""
    warmup: float = 2.0
    seconds: float = 8.0
    workers: int = 2


FULL = Plan()
QUICK = Plan(warmup=1.0, seconds=2.0)


@dataclass
class Blast:
    rate: float
    per_cpu_second: float
    events: float
    errors: int
    cpu_share: float


async def blast(server: Proc, clients: list[ClientSpec], plan: Plan, *, snapshot: bool) -> Blast:
    pool = Pool([{"clients": part, "seed": n + 1} for n, part in enumerate(split(clients, plan.workers))])
    try:
        await pool.call("connect", {"snapshot": snapshot})
        await pool.call("blast", {"window": plan.window})
        await asyncio.sleep(plan.warmup)
        before, started, cpu = await pool.total(), time.perf_counter(), server.cpu()
        server.profile(plan.seconds, "ingest")
        await asyncio.sleep(plan.seconds)
        after, elapsed, cpu = await pool.total(), time.perf_counter() - started, server.cpu() - cpu
        await pool.call("stop")
    finally:
        await pool.close()
    replies = after["replies"] - before["replies"]
    return Blast(
        rate=replies / elapsed,
        per_cpu_second=replies / cpu if cpu else 0.0,
        events=(after["events"] - before["events"]) / elapsed,
        errors=after["errors"],
        cpu_share=cpu / elapsed,
    )


async def run(stack: Stack, *, quick: bool) -> list[Row]:
    plan = QUICK if quick else FULL
    connections = (4 if quick else population.INGEST_TEAMS) * population.TEAM_SIZE
    print(f"ingest: relay floor ({connections} connections)", flush=True)
    (relay,) = await stack.relay()
    echo = [{"url": relay.ws_url + "/ws?echo=1", "hello": True} for _ in range(connections)]
    floor = await blast(relay, echo, plan, snapshot=False)
    stack.stop(relay)

    deployment = await stack.tandem(name="ingest")
    (server,) = deployment.servers
    people = await population.people(stack, deployment, quick)
    teams = population.ingest_teams(people, quick)
    clients = [
        {"url": server.ws_url + "/api/ws", "token": m.token, "repository_id": t.repository_id}
        for t in teams
        for m in t.members
    ]
    print("ingest: blasting", flush=True)
    result = await blast(server, clients, plan, snapshot=True)
    stack.stop(server)
    note = (
        f"{connections} connections x {plan.window} in flight; {result.events:,.0f} events/s out; "
        f"server CPU {result.cpu_share:.0%}"
    )
    if result.errors:
        note += f"; {result.errors} error replies"
    print(f"ingest: {result.rate:,.0f} updates/s ({note})", flush=True)
    bench = "2 ingest"
    return [
        Row(bench, "embedded", "updates/s", result.rate, "/s", floor.rate, "≥ 20,000/s", result.rate >= 20_000, note),
        Row(bench, "embedded", "updates per server CPU-second", result.per_cpu_second, "/s", floor.per_cpu_second),
    ]
