"""The hub's work per update in one process, hot and after a pause, beside the least a relay does per frame.

uv run python -m bench.realtime.dispatch [--samples 2000] [--gap-ms 10] [--evict-mib 8] [--evict-gap-ms 1]

Connection.dispatch runs on a real app (SQLite, in-process bus) with a transport that only counts writes, so
nothing but the hub's own Python is timed: A's update opens a finding with B (the latency benchmark's probe)
and A's revert resolves it. The floor is what a relay does with each frame: parse it, encode one, hand it to
the transport. "After a pause" spins for ``--gap-ms`` between samples without sleeping (the CPU stays busy,
so its clock does not drop): what is measured is the cost of caches that other processes emptied meanwhile.
"After other work" first writes ``--evict-mib`` of memory, as the latency benchmark's other processes (the
clients, the relay) do between two probes, then spins ``--evict-gap-ms``: with 8 MiB and 1 ms it gives the
server's share of that benchmark's latency (130-180 µs from receiving A's frame to writing Bob's, measured
inside the real server, when this phase gave 137). Longer spins after the write cost far more on the VM
this was measured on (360 µs after 4 ms, 470 after 10), more than the real server pays.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import itertools
import time
from collections.abc import Awaitable, Callable
from functools import partial
from types import SimpleNamespace
from typing import Any

import orjson

from backend import keys
from backend.domain.caller import Caller
from backend.hub.connection import Connection
from bench.realtime.edits import change, hunk, snapshot
from bench.realtime.inprocess import app_server
from bench.realtime.stats import percentile
from bench.realtime.team import make_teams
from tandem.cli import GC_YOUNG_THRESHOLD


class CountingTransport:
    """The transport half that Connection.send needs; it counts writes and drops the bytes."""

    def __init__(self) -> None:
        self.writes = 0
        self.last_write_ns = 0

    def is_closing(self) -> bool:
        return False

    def get_write_buffer_size(self) -> int:
        return 0

    def writelines(self, _parts: Any) -> None:
        self.last_write_ns = time.perf_counter_ns()
        self.writes += 1

    def write(self, _data: bytes) -> None:
        """The hub's keep-alive pings a connection it has not heard from in a while (a long run's gaps)."""

    def abort(self) -> None:
        """The keep-alive drops a connection whose ping went unanswered: the bench's never answer."""


def _frame(message_id: int, kind: str, **fields: Any) -> bytes:
    return orjson.dumps({"id": message_id, "type": kind, **fields})


async def _connect(app: Any, user_id: str, transport: CountingTransport) -> Connection:
    request = SimpleNamespace(transport=transport, remote="127.0.0.1")
    conn = Connection(app[keys.HUB], SimpleNamespace(closed=False), request, Caller(user_id, "access"))  # type: ignore[arg-type]
    await conn.dispatch(_frame(1, "hello", protocol=1, client="bench"))
    return conn


def _spin(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


class _Evictor:
    """Writes one byte per cache line of a buffer: the caches hold it, not the server's code and data."""

    def __init__(self, mib: float) -> None:
        self.buffer = bytearray(int(mib * (1 << 20)))
        lines = (len(self.buffer) + 63) // 64
        self.pattern = (bytes(range(256)) * (lines // 256 + 1))[:lines]

    def __call__(self, seconds: float) -> None:
        self.buffer[::64] = self.pattern
        _spin(seconds)


async def _once(
    pause: Callable[[], None], step: Callable[[], Awaitable[None]], heard: CountingTransport | None = None
) -> tuple[float, float]:
    """Microseconds for one step after ``pause``, and until ``heard`` was written to (0 if it was not during
    the step); the connections' queued writes then run."""
    pause()
    started = time.perf_counter_ns()
    await step()
    ended = time.perf_counter_ns()
    written = heard.last_write_ns if heard is not None and heard.last_write_ns > started else 0
    await asyncio.sleep(0)  # the end of the turn: queued frames are written
    return (ended - started) / 1000, (written - started) / 1000 if written else 0.0


async def run(samples: int, gap: float, evict_mib: float, evict_gap: float) -> list[tuple[str, list[float]]]:
    async with app_server(
        "dispatch",
        ws_rate=1e9,
        ws_burst=10**9,
        ws_flood_limit=10**9,
        # Its connections never go through the read loop that marks a client heard, so the hub's
        # keep-alive would drop Bob after two rounds of a long run; no round happens in an hour.
        heartbeat_interval=3600.0,
    ) as server:
        (team,) = await make_teams(str(server.make_url("")).rstrip("/"), [2])
        heard = CountingTransport()
        alice = await _connect(server.app, team.members[0].user_id, CountingTransport())
        bob = await _connect(server.app, team.members[1].user_id, heard)
        alice.dispatching = True  # as Connection.serve sets it around her commands: her replies wait for the turn end
        for conn in (alice, bob):
            await conn.dispatch(_frame(2, "repo.resolve", remote_url=team.remote_url))
        bob_edit = change("x.py", hunk(40, 6, "bob"))
        await bob.dispatch(_frame(3, "activity.snapshot", **snapshot(team.repository_id, [bob_edit])))
        await alice.dispatch(_frame(3, "activity.snapshot", **snapshot(team.repository_id)))
        gc.collect()
        gc.freeze()  # as `tandem server` does after start-up
        gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])

        async def probe(n: int) -> None:
            seq = 2 + 2 * n
            edit = change("x.py", hunk(42, 3, f"a{n}"))
            await alice.dispatch(_frame(10 + n, "activity.update", workcopy="wc", seq=seq, changed=[edit]))

        async def revert(n: int) -> None:
            seq = 3 + 2 * n
            await alice.dispatch(_frame(10 + n, "activity.update", workcopy="wc", seq=seq, removed=["x.py"]))

        floor_frame = _frame(1, "activity.update", workcopy="wc", seq=2, changed=[change("x.py", hunk(42, 3, "a"))])
        sink = CountingTransport()

        async def floor() -> None:
            message = orjson.loads(floor_frame)
            sink.writelines((orjson.dumps(message),))

        rows = []
        probes = itertools.count()  # sequence numbers go on rising across phases: a stale update does nothing
        evict = _Evictor(evict_mib)
        phases: list[tuple[str, Callable[[], None]]] = [
            ("hot", lambda: None),
            (f"after {gap * 1000:g} ms", partial(_spin, gap)),
            (f"after {evict_mib:g} MiB of other work and {evict_gap * 1000:g} ms", partial(evict, evict_gap)),
        ]
        for label, pause in phases:
            opened: list[float] = []
            told: list[float] = []
            resolved: list[float] = []
            relayed: list[float] = []
            for n in itertools.islice(probes, samples):
                whole, bob_written = await _once(pause, partial(probe, n), heard)
                opened.append(whole)
                told.append(bob_written)
                resolved.append((await _once(pause, partial(revert, n)))[0])
                relayed.append((await _once(pause, floor))[0])
            if not all(told):
                raise RuntimeError("bob's finding was not written during alice's update")
            rows += [
                (f"{label}: update that opens the finding, until Bob's frame is written", told),
                (f"{label}: update that opens the finding", opened),
                (f"{label}: update that resolves it", resolved),
                (f"{label}: floor (parse, encode, write)", relayed),
            ]
        return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--gap-ms", type=float, default=10.0)
    parser.add_argument("--evict-mib", type=float, default=8.0)
    parser.add_argument("--evict-gap-ms", type=float, default=1.0)
    args = parser.parse_args()
    rows = asyncio.run(run(args.samples, args.gap_ms / 1000, args.evict_mib, args.evict_gap_ms / 1000))
    print("| in one process | p50 | p99 |")
    print("| --- | ---: | ---: |")
    for label, values in rows:
        print(f"| {label} | {percentile(values, 50):.1f} µs | {percentile(values, 99):.1f} µs |")


if __name__ == "__main__":
    main()
