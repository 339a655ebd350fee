"""Benchmark 3: idle authenticated connections in one process: memory each and handshakes a second."""

from __future__ import annotations

import asyncio
import gc
import time
from dataclasses import dataclass

from bench.realtime import population
from bench.realtime.procs import Proc, Stack
from bench.realtime.stats import Row
from bench.realtime.workers import ClientSpec, Pool, split


@dataclass(frozen=True)
class Plan:
    connections: int
    workers: int = 4
    """Client processes: the client side of thousands of sockets needs cores of its own."""
    concurrency: int = 50
    """Handshakes each client process keeps in flight."""
    settle: float = 2.0


FULL = Plan(connections=10_000)
QUICK = Plan(connections=500, settle=1.0)


@dataclass
class Held:
    per_connection_hello: float
    per_connection: float
    handshakes: float
    handshakes_per_cpu: float
    subscribes: float
    opened: int


async def _settled_rss(server: Proc, seconds: float) -> int:
    await asyncio.sleep(seconds)
    return server.rss()


async def hold(server: Proc, clients: list[ClientSpec], plan: Plan, label: str) -> Held:
    pool = Pool(
        [
            {"clients": part, "seed": n, "concurrency": plan.concurrency, "raw": True}
            for n, part in enumerate(split(clients, plan.workers))
        ]
    )
    try:
        await pool.call("count")  # the workers are up (imports done) before the clock starts
        base = await _settled_rss(server, plan.settle)
        started, cpu = time.perf_counter(), server.cpu()
        server.profile(5, f"connections-{label}")
        answers = await pool.call("connect", {})
        elapsed, cpu = time.perf_counter() - started, server.cpu() - cpu
        opened = sum(a["opened"] for a in answers)
        failures = [f for a in answers for f in a["failures"]]
        if failures:
            print(f"connections [{label}]: {len(clients) - opened} failed, e.g. {failures[0]}", flush=True)
        after_hello = await _settled_rss(server, plan.settle)
        subscribe_started = time.perf_counter()
        server.profile(5, f"connections-{label}-subscribe")
        await pool.call("subscribe")
        subscribe_elapsed = time.perf_counter() - subscribe_started
        after = await _settled_rss(server, plan.settle)
        still_open = (await pool.total())["open"]
    finally:
        await pool.close()
    gc.collect()
    kib = 1024 * max(1, opened)
    print(
        f"connections [{label}]: {opened} opened ({still_open} open at the end) in {elapsed:.1f}s; "
        f"RSS {base >> 20} -> {after_hello >> 20} -> {after >> 20} MiB",
        flush=True,
    )
    return Held(
        per_connection_hello=(after_hello - base) / kib,
        per_connection=(after - base) / kib,
        handshakes=opened / elapsed,
        handshakes_per_cpu=opened / cpu if cpu else 0.0,
        subscribes=opened / subscribe_elapsed if subscribe_elapsed else 0.0,
        opened=opened,
    )


async def run(stack: Stack, *, quick: bool) -> list[Row]:
    plan = QUICK if quick else FULL
    n = plan.connections
    print(f"connections: relay floor ({n} connections)", flush=True)
    (relay,) = await stack.relay()
    # The relay answers every frame, so its "subscribe" is one more round trip.
    echo = [{"url": relay.ws_url + "/ws?echo=1", "project_id": "room"} for _ in range(n)]
    floor = await hold(relay, echo, plan, "relay")
    stack.stop(relay)

    deployment = await stack.tandem(name="connections")
    (server,) = deployment.servers
    teams = await population.people(stack, deployment, quick)
    url = server.ws_url + "/api/ws"
    accounts = [(m.token, t.project_id) for t in teams for m in t.members]
    users = len(accounts)
    clients = [{"url": url, "token": accounts[k % users][0], "project_id": accounts[k % users][1]} for k in range(n)]
    result = await hold(server, clients, plan, "tandem")
    stack.stop(server)

    bench = "3 connections"
    note = f"{result.opened:,} connections, {users:,} accounts, hello + subscribe"
    return [
        Row(
            bench,
            "embedded",
            "memory per connection",
            result.per_connection,
            "KiB",
            floor.per_connection,
            "< 20 KiB",
            result.per_connection < 20,
            note,
        ),
        Row(
            bench,
            "embedded",
            "memory per connection after hello only",
            result.per_connection_hello,
            "KiB",
            floor.per_connection_hello,
        ),
        Row(
            bench,
            "embedded",
            "handshakes/s (upgrade + hello)",
            result.handshakes,
            "/s",
            floor.handshakes,
            "≥ 500/s",
            result.handshakes >= 500,
        ),
        Row(
            bench,
            "embedded",
            "handshakes per server CPU-second",
            result.handshakes_per_cpu,
            "/s",
            floor.handshakes_per_cpu,
        ),
        Row(bench, "embedded", "subscribes/s", result.subscribes, "/s", floor.subscribes),
    ]
