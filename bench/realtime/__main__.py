"""Run the real-time benchmarks and print one table: ``uv run python -m bench.realtime [--quick] [--only ...]``."""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import platform
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from bench.realtime import connections, fanout, ingest, latency
from bench.realtime.procs import Stack, raise_fd_limit, stack
from bench.realtime.stats import Row, table

Bench = Callable[[Stack, bool], Awaitable[list[Row]]]
BENCHES: dict[str, Bench] = {
    "latency": lambda s, quick: latency.run(s, scale_out=False, quick=quick),
    "latency-scale-out": lambda s, quick: latency.run(s, scale_out=True, quick=quick),
    "ingest": lambda s, quick: ingest.run(s, quick=quick),
    "connections": lambda s, quick: connections.run(s, quick=quick),
    "fanout": lambda s, quick: fanout.run(s, quick=quick),
}


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import os

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} CPUs ({model}), Python {platform.python_version()}, {platform.system()} "
        f"{platform.release()}, load average before the run {load}"
    )


async def main(args: argparse.Namespace) -> list[Row]:
    limit = raise_fd_limit()
    chosen = args.only or list(BENCHES)
    rows: list[Row] = []
    started = time.monotonic()
    header = f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC; {machine()}; open files limit {limit}"
    print(header, flush=True)
    async with stack() as owned:
        for name in chosen:
            rows += await BENCHES[name](owned, args.quick)
    print()
    print(table(rows))
    print(f"\n{header}; {'quick' if args.quick else 'full'} run in {time.monotonic() - started:.0f}s")
    return rows


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.realtime", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a ~30 s smoke run with small samples")
    parser.add_argument("--only", action="append", choices=list(BENCHES), help="run only these (repeatable)")
    parser.add_argument("--json", metavar="PATH", help="also write the rows as JSON")
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = parse(sys.argv[1:])
    results = asyncio.run(main(arguments))
    if arguments.json:
        Path(arguments.json).write_text(json.dumps([r.as_dict() for r in results], indent=2))
