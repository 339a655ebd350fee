"""Benchmark 1: edit-to-finding latency, idle and under 200 developers' load, beside a relay's forwarding floor."""

from __future__ import annotations

import asyncio
import math
import time
import uuid
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson

from bench.realtime import population, wire
from bench.realtime.edits import change, hunk, snapshot
from bench.realtime.procs import Proc, Stack
from bench.realtime.stats import Row, check, percentile
from bench.realtime.workers import Pool, split

WAIT = 10.0


@dataclass(frozen=True)
class Plan:
    samples: int
    warmup: int
    interval: float
    """Seconds between one probe's end and the next one's start."""
    rate: float = 2.0
    """Updates a second per background developer."""
    settle: float = 3.0
    """Seconds the background load runs before anything is measured."""
    cost_window: float = 5.0
    """Seconds over which the servers' CPU per update is measured, with the background load alone."""


FULL = Plan(samples=1000, warmup=30, interval=0.004)
QUICK = Plan(samples=100, warmup=10, interval=0.004, settle=1.0, cost_window=2.0)


class Waiter:
    """Hands the arrival time of the next event that matches to whoever waits for it."""

    def __init__(self) -> None:
        self.want: tuple[str, str] | None = None
        self.future: asyncio.Future[float] | None = None

    def expect(self, kind: str, change_kind: str = "") -> asyncio.Future[float]:
        self.want = (kind, change_kind)
        self.future = asyncio.get_running_loop().create_future()
        return self.future

    def __call__(self, frame: dict[str, Any], arrived: float) -> None:
        if self.want is None or self.future is None or self.future.done():
            return
        kind, change_kind = self.want
        if frame.get("type") == kind and (not change_kind or frame.get("change") == change_kind):
            self.future.set_result(arrived)


class HubProbe:
    """A edits lines B is editing: the time until B's editor hears of the finding; then A reverts."""

    def __init__(self, a_url: str, b_url: str, tokens: tuple[str, str], repository_id: str) -> None:
        self.urls, self.tokens, self.repository_id = (a_url, b_url), tokens, repository_id
        self.waiter = Waiter()
        self.seq = 1

    async def open(self, session: aiohttp.ClientSession) -> None:
        self.a = await wire.connect(session, self.urls[0], self.tokens[0])
        self.b = await wire.connect(session, self.urls[1], self.tokens[1], on_event=self.waiter)
        edit = change("x.py", hunk(40, 6, "bob"))
        await self.b.call("activity.snapshot", **snapshot(self.repository_id, [edit], seq=self.seq))
        await self.a.call("activity.snapshot", **snapshot(self.repository_id, seq=self.seq))

    async def once(self) -> float:
        self.seq += 1
        opened = self.waiter.expect("finding", "opened")
        edit = change("x.py", hunk(42, 3, f"a{self.seq}"))
        frame, _reply = self.a.prepare("activity.update", workcopy="wc", seq=self.seq, changed=[edit])
        started = time.perf_counter()  # the frame is ready, as the relay's is: the clock times the servers
        await self.a.ws.send_bytes(frame)
        arrived = await asyncio.wait_for(opened, WAIT)
        self.seq += 1
        resolved = self.waiter.expect("finding", "resolved")
        await self.a.send("activity.update", workcopy="wc", seq=self.seq, removed=["x.py"])
        await asyncio.wait_for(resolved, WAIT)
        return (arrived - started) * 1000

    async def close(self) -> None:
        await self.a.close()
        await self.b.close()


class RelayProbe:
    """The same exchange through the relay: A's frame (as large as the update) forwarded to B."""

    def __init__(self, a_url: str, b_url: str) -> None:
        self.urls = (a_url, b_url)
        self.waiter = Waiter()
        self.n = 0
        edit = change("x.py", hunk(42, 3, "a" * 16))
        self.frame = {"type": "activity.update", "workcopy": "wc", "seq": 2, "changed": [edit]}

    async def open(self, session: aiohttp.ClientSession) -> None:
        self.a = await wire.connect(session, self.urls[0], hello=False)
        self.b = await wire.connect(session, self.urls[1], hello=False, on_event=self.waiter)

    async def once(self) -> float:
        self.n += 1
        arrival = self.waiter.expect("activity.update")
        frame = orjson.dumps({"id": self.n, **self.frame})
        started = time.perf_counter()
        await self.a.ws.send_bytes(frame)
        arrived = await asyncio.wait_for(arrival, WAIT)
        return (arrived - started) * 1000

    async def close(self) -> None:
        await self.a.close()
        await self.b.close()


async def interleave(probes: list[HubProbe | RelayProbe], plan: Plan) -> list[list[float]]:
    """Alternate the probes, so the relay's floor and the hub see the same moments of a noisy machine."""
    samples: list[list[float]] = [[] for _ in probes]
    async with wire.session() as session:
        for probe in probes:
            await probe.open(session)
        for n in range(plan.warmup + plan.samples):
            for probe, out in zip(probes, samples, strict=True):
                value = await probe.once()
                if n >= plan.warmup:
                    out.append(value)
                await asyncio.sleep(plan.interval)
        for probe in probes:
            await probe.close()
    return samples


async def _background(clients: list[dict[str, Any]], plan: Plan, *, snapshot: bool) -> Pool:
    pool = Pool([{"clients": part, "seed": n + 1} for n, part in enumerate(split(clients, 2))])
    await pool.call("connect", {"snapshot": snapshot})
    await pool.call("pace", {"rate": plan.rate})
    return pool


async def _cpu_per_update(processes: list[Proc], pool: Pool, seconds: float) -> float:
    """Microseconds of the processes' CPU per answered update, over ``seconds`` of the paced load alone."""
    before, cpu = await pool.total(), sum(p.cpu() for p in processes)
    await asyncio.sleep(seconds)
    after, cpu = await pool.total(), sum(p.cpu() for p in processes) - cpu
    answered = after["replies"] - before["replies"]
    return cpu / answered * 1e6 if answered else math.nan


async def _relay_cost(relays: list[Proc], developers: int, plan: Plan) -> float:
    """The floor of the cost per update: the relay answering the same paced frames with an acknowledgement."""
    echo = [{"url": relays[n % len(relays)].ws_url + "/ws?echo=1", "hello": True} for n in range(developers)]
    pool = await _background(echo, plan, snapshot=False)
    try:
        await asyncio.sleep(min(plan.settle, 1.0))
        return await _cpu_per_update(relays, pool, plan.cost_window)
    finally:
        await pool.close()


async def run(stack: Stack, *, scale_out: bool, quick: bool) -> list[Row]:
    plan = QUICK if quick else FULL
    processes = 2 if scale_out else 1
    mode = "scale-out" if scale_out else "embedded"
    print(f"latency [{mode}]: start", flush=True)
    relays = await stack.relay(processes=processes, redis=scale_out)
    deployment = await stack.tandem(scale_out=scale_out, processes=processes, name=f"latency-{mode}")
    servers = deployment.servers
    teams = (await population.people(stack, deployment, quick))[: population.latency_teams(quick)]
    probe_team = await population.probe(stack, deployment)
    a, b = probe_team.members

    def probes() -> list[HubProbe | RelayProbe]:
        hub = HubProbe(
            servers[0].ws_url + "/api/ws", servers[-1].ws_url + "/api/ws", (a.token, b.token), probe_team.repository_id
        )
        room = f"/ws?room=probe-{uuid.uuid4().hex}"
        return [hub, RelayProbe(relays[0].ws_url + room, relays[-1].ws_url + room)]

    print(f"latency [{mode}]: idle", flush=True)
    idle, floor = await interleave(probes(), plan)

    print(f"latency [{mode}]: under load", flush=True)
    clients = [
        {"url": servers[n % len(servers)].ws_url + "/api/ws", "token": m.token, "repository_id": t.repository_id}
        for t in teams
        for n, m in enumerate(t.members)
    ]
    pool = await _background(clients, plan, snapshot=True)
    try:
        await asyncio.sleep(plan.settle)
        cost = await _cpu_per_update(servers, pool, plan.cost_window)
        before, started, cpu = await pool.total(), time.perf_counter(), sum(s.cpu() for s in servers)
        servers[0].profile(10, f"latency-{mode}")
        loaded, floor_loaded = await interleave(probes(), plan)
        after, elapsed = await pool.total(), time.perf_counter() - started
        cpu = sum(s.cpu() for s in servers) - cpu
    finally:
        await pool.close()
    for proc in servers:
        stack.stop(proc)
    developers = sum(len(t.members) for t in teams)
    floor_cost = await _relay_cost(relays, developers, plan)
    for proc in relays:
        stack.stop(proc)

    rate = (after["replies"] - before["replies"]) / elapsed
    events = (after["events"] - before["events"]) / elapsed
    load_note = f"{developers} devs: {rate:,.0f} updates/s, {events:,.0f} events/s, server CPU {cpu / elapsed:.0%}"
    if after["errors"]:
        load_note += f", {after['errors']} errors"
    print(f"latency [{mode}]: {load_note}", flush=True)
    f50, f99 = percentile(floor, 50), percentile(floor, 99)
    i50, i99 = percentile(idle, 50), percentile(idle, 99)
    l50, l99 = percentile(loaded, 50), percentile(loaded, 99)
    m50, m99 = percentile(floor_loaded, 50), percentile(floor_loaded, 99)
    bench = "1 edit-to-finding"
    cost_note = "both processes together; floor: the relay's echo" if scale_out else "floor: the relay's echo"
    return [
        Row(bench, mode, "p50 idle", i50, "ms", f50),
        Row(bench, mode, "p99 idle", i99, "ms", f99),
        Row(bench, mode, "p50 under load", l50, "ms", f50, "< 2x floor", check(l50 / f50, lambda r: r < 2)),
        Row(bench, mode, "p99 under load", l99, "ms", f99, "< 3x floor", check(l99 / f99, lambda r: r < 3)),
        Row(bench, mode, "p99 load / p99 idle", l99 / i99, "x", None, "≤ 1.5x", check(l99 / i99, lambda r: r <= 1.5)),
        Row(bench, mode, "relay beside the load: p50", m50, "ms", note=f"p99 {m99:.2f} ms"),
        # The floor's own ratio on the same machine at the same moments: what "≤ 1.5x" asks of anything here.
        Row(bench, mode, "relay: p99 beside the load / p99 idle", m99 / f99, "x"),
        Row(bench, mode, "background load", rate, "updates/s", note=load_note),
        # What a paced update costs, cache-cold as an editor's are, beside the relay answering the same frames.
        Row(bench, mode, "server CPU per update at that pace", cost, "µs", floor_cost, note=cost_note),
    ]
