"""How long the recorder's batch write holds the event loop, in chunks and as one statement, beside the loop alone.

uv run python -m bench.realtime.flush [--rounds 8] [--rows 50 200 400]

Every 0.5 s the recorder writes what the hub saw: one activity row per (person, file, branch) touched. The
rows are prepared for the driver on the loop's thread, and a frame that arrives meanwhile waits. A task that
does nothing but yield measures the loop's longest stall while one batch is written to a real app's SQLite
store; the floor is the same task's longest gap over the same time with nothing written.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from backend import keys
from backend.activity.recorder import CHUNK, Recorder
from bench.realtime.inprocess import app_server
from bench.realtime.team import make_teams


async def _longest_gap(work: asyncio.Future[None] | None, seconds: float) -> float:
    """The longest time between two turns of a task that only yields, while ``work`` runs (or for ``seconds``)."""
    longest, last = 0.0, time.perf_counter()
    end = last + seconds
    while (work is not None and not work.done()) or (work is None and time.perf_counter() < end):
        await asyncio.sleep(0)
        now = time.perf_counter()
        longest, last = max(longest, now - last), now
    return longest


async def _round(recorder: Recorder, key: tuple[str, str, str], rows: int, offset: int) -> tuple[float, float, float]:
    """Milliseconds: the loop's longest stall during one write of ``rows`` rows, the write, and the floor."""
    project_id, repository_id, user_id = key
    now = time.time()
    for n in range(rows):
        recorder.saw((project_id, repository_id, user_id, "main", f"src/f{offset + n}.py"), now)
    started = time.perf_counter()
    flush = asyncio.ensure_future(recorder.flush())
    stall = await _longest_gap(flush, 0)
    await flush
    took = time.perf_counter() - started
    floor = await _longest_gap(None, took)
    return stall * 1000, took * 1000, floor * 1000


async def run(rounds: int, sizes: list[int]) -> list[tuple[int, str, float, float, float]]:
    async with app_server("flush") as server:
        (team,) = await make_teams(str(server.make_url("")).rstrip("/"), [1])
        recorder = server.app[keys.HUB].activity.recorder
        key = (team.project_id, team.repository_id, team.members[0].user_id)
        out = []
        offset = 0
        for rows in sizes:
            for label, chunk in ((f"{CHUNK} rows a statement", CHUNK), ("one statement", rows)):
                recorder.chunk = chunk
                results = []
                for _ in range(rounds):
                    results.append(await _round(recorder, key, rows, offset))
                    offset += rows
                stall, took, floor = (statistics.median(r[i] for r in results) for i in range(3))
                out.append((rows, label, stall, took, floor))
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--rows", type=int, nargs="+", default=[50, 200, 400])
    args = parser.parse_args()
    results = asyncio.run(run(args.rounds, args.rows))
    print("| rows in the batch | written as | longest loop stall (median) | write took | floor: longest gap, idle |")
    print("| ---: | --- | ---: | ---: | ---: |")
    for rows, label, stall, took, floor in results:
        print(f"| {rows} | {label} | {stall:.2f} ms | {took:.1f} ms | {floor:.2f} ms |")


if __name__ == "__main__":
    main()
