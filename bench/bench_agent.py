"""Benchmark the agent daemon's overhead against bare watchfiles on one generated repository.

Quick run (10,000 files in 500 folders, a 1,000-file burst):
    uv run python bench/bench_agent.py
The issue's budget (100,000 files in 5,000 folders, a 10,000-file burst):
    uv run python bench/bench_agent.py --files 100000 --dirs 5000 --burst 10000

A backend runs in this process (SQLite in a temp dir); the agent (``python -m tandem agent``) and the floor
(watchfiles' notifier running the loop ``awatch`` runs, nothing else) run as child processes, measured from
/proc: CPU time (user + system), resident memory. Set-up and first-scan times come from the agent's log.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import orjson
from aiohttp import web

from backend import keys
from backend.app import create_app
from backend.settings import Settings
from bench.repogen import generate, git, module_text

TICKS = os.sysconf("SC_CLK_TCK")
REMOTE = "https://example.test/bench/repo"


# -- measuring a child process ------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> tuple[float, float]:
    """(own user+system, waited-for children's user+system) CPU seconds of a process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    own = (int(fields[11]) + int(fields[12])) / TICKS
    children = (int(fields[13]) + int(fields[14])) / TICKS
    return own, children


def rss_mib(pid: int, field: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def run_ns(pid: int) -> int:
    """Nanoseconds on a CPU, summed over the process's threads (finer than the clock ticks of /proc/PID/stat)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (OSError, ValueError):
            continue
    return total


async def idle_cpu(pid: int, seconds: float) -> float:
    """Percent of one core used over ``seconds`` of doing nothing."""
    before = run_ns(pid)
    await asyncio.sleep(seconds)
    return (run_ns(pid) - before) / 1e9 / seconds * 100


# -- the floor: bare watchfiles -----------------------------------------------------------------------------


# Runs in a child that imports nothing else: watchfiles' notifier on the tree, the loop awatch runs, with the
# agent's debounce and step.
FLOOR = """
import json, sys, threading, time
from watchfiles._rust_notify import RustNotify
started = time.perf_counter()
notify = RustNotify([sys.argv[1]], False, False, 300, True, True)
print(json.dumps({"setup_s": time.perf_counter() - started}), flush=True)
stop = threading.Event()
while True:
    notify.watch(50, 20, 0, stop)
"""


async def measure_floor(root: Path, idle: float) -> dict[str, float]:
    proc = await asyncio.create_subprocess_exec(sys.executable, "-c", FLOOR, str(root), stdout=asyncio.subprocess.PIPE)
    assert proc.stdout is not None
    setup = orjson.loads(await proc.stdout.readline())["setup_s"]
    try:
        cpu = await idle_cpu(proc.pid, idle)
        return {"setup_s": setup, "rss_mib": rss_mib(proc.pid), "idle_cpu_pct": cpu}
    finally:
        proc.kill()
        await proc.wait()


# -- the backend, watched --------------------------------------------------------------------------------------


class Tap:
    """Counts the activity messages the in-process backend receives and wakes waiters on each."""

    def __init__(self, app: web.Application) -> None:
        self.service = app[keys.HUB].activity
        self.messages = 0
        self.log: list[tuple[str, int, int]] = []
        self.arrived = asyncio.Event()
        self.last_paths: set[str] = set()
        for name in ("snapshot", "update"):
            self._wrap(name)

    def _wrap(self, name: str) -> None:
        original = getattr(self.service, name)

        async def tapped(*args: Any, **kwargs: Any) -> Any:
            result = await original(*args, **kwargs)
            self.messages += 1
            self.log.append((name, len(kwargs.get("files", kwargs.get("changed", ()))), len(kwargs.get("removed", ()))))
            self.last_paths = {c.path for c in kwargs.get("files", kwargs.get("changed", ()))}
            self.arrived.set()
            return result

        setattr(self.service, name, tapped)

    def branch(self) -> str:
        return next((w.branch for w in self.service.workcopies.values()), "")

    def held(self) -> int:
        return sum(len(w.files) for w in self.service.workcopies.values())

    async def until(self, condition: Any) -> None:
        async with asyncio.timeout(300):
            while not condition():
                self.arrived.clear()
                await self.arrived.wait()


async def start_backend(data: Path) -> tuple[web.AppRunner, str, Tap]:
    settings = Settings(
        data_dir=data,
        secret_key="bench-" + "k" * 40,
        log_level="WARNING",
        password_hash_memory_kib=8,
        password_hash_time_cost=1,
        password_hash_parallelism=1,
    )
    app = create_app(settings)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, f"http://127.0.0.1:{port}", Tap(app)


async def agent_token(server: str) -> str:
    async with aiohttp.ClientSession(server) as http:
        body = {"email": "bench@example.test", "password": "correct horse battery staple", "name": "bench"}
        auth = await (await http.post("/api/auth/register", json=body)).json()
        headers = {"Authorization": f"Bearer {auth['access_token']}"}
        project = await (await http.post("/api/projects", json={"name": "Bench"}, headers=headers)).json()
        await http.post(f"/api/projects/{project['id']}/repositories", json={"remote_url": REMOTE}, headers=headers)
        token = await (
            await http.post("/api/me/tokens", json={"name": "b", "scopes": ["agent"]}, headers=headers)
        ).json()
        return str(token["token"])


def log_value(log: Path, key: str) -> float | None:
    for line in log.read_text().splitlines():
        entry = orjson.loads(line)
        if key in entry:
            return float(entry[key])
    return None


async def run(args: argparse.Namespace) -> None:
    work = Path(tempfile.mkdtemp(prefix="tandem-bench-"))
    paths = generate(work / "repo", args.files, args.dirs, remote=REMOTE)
    # A branch that changes the last --burst files: checking it out rewrites them all at once.
    burst = paths[-args.burst :]
    git(work / "repo", "checkout", "-q", "-b", "big")
    for path in burst:
        path.write_text(module_text(int(path.stem.removeprefix("mod")), edit=1))
    git(work / "repo", "commit", "-q", "-a", "-m", "big change")
    git(work / "repo", "checkout", "-q", "main")
    runner, server, tap = await start_backend(work / "data")
    config, runtime = work / "config", Path(tempfile.mkdtemp(prefix="tb-"))
    config.mkdir(mode=0o700)
    (config / "credentials.json").write_bytes(orjson.dumps({"server": server, "token": await agent_token(server)}))
    env = {**os.environ, "TANDEM_CONFIG_DIR": str(config), "TANDEM_RUNTIME_DIR": str(runtime)}
    started = time.perf_counter()
    agent = await asyncio.create_subprocess_exec(sys.executable, "-m", "tandem", "agent", str(work / "repo"), env=env)
    try:
        await tap.until(lambda: tap.messages >= 1)
        ready = time.perf_counter() - started
        log = runtime / "agent.log"
        results: dict[str, Any] = {
            "setup_s": log_value(log, "watch_setup_s"),
            "scan_s": log_value(log, "scan_s"),
            "start_to_snapshot_s": ready,
        }
        results["idle_cpu_pct"] = await idle_cpu(agent.pid, args.idle)
        results["rss_mib"] = rss_mib(agent.pid)

        latencies = []
        for i in range(args.edits):
            target = paths[(i * 7919) % (len(paths) - args.burst)]  # not one the big branch changes
            n = int(target.stem.removeprefix("mod"))
            held_before = tap.messages
            t0 = time.perf_counter()
            target.write_text(module_text(n, edit=i + 1))
            rel = target.relative_to(work / "repo").as_posix()
            await tap.until(lambda rel=rel, before=held_before: tap.messages > before and rel in tap.last_paths)
            latencies.append((time.perf_counter() - t0) * 1000)
        results["latency_ms_median"] = statistics.median(latencies)
        results["latency_ms_p99"] = sorted(latencies)[max(0, int(len(latencies) * 0.99) - 1)]

        edited = len({paths[(i * 7919) % (len(paths) - args.burst)] for i in range(args.edits)})
        for name, branch, expect in (("to", "big", edited + len(burst)), ("back", "main", edited)):
            before_msgs, before_cpu = tap.messages, cpu_seconds(agent.pid)
            t0 = time.perf_counter()
            git(work / "repo", "checkout", "-q", branch)
            await tap.until(lambda b=branch, n=expect: tap.branch() == b and tap.held() == n)
            results[f"{name}_wall_s"] = time.perf_counter() - t0
            await asyncio.sleep(1.0)  # a straggling second message, if any, is counted too
            after_cpu = cpu_seconds(agent.pid)
            results[f"{name}_cpu_s"] = after_cpu[0] - before_cpu[0]
            results[f"{name}_git_cpu_s"] = after_cpu[1] - before_cpu[1]
            results[f"{name}_messages"] = tap.messages - before_msgs
            print(name, tap.log[before_msgs:], flush=True)
        results["rss_peak_mib"] = rss_mib(agent.pid, "VmHWM")
    finally:
        agent.terminate()
        await agent.wait()
        await runner.cleanup()
    floor = await measure_floor(work / "repo", args.idle)
    report(args, results, floor)
    shutil.rmtree(work, ignore_errors=True)
    shutil.rmtree(runtime, ignore_errors=True)


def report(args: argparse.Namespace, r: dict[str, Any], floor: dict[str, float]) -> None:
    def ratio(a: float | None, b: float) -> str:
        return f"{a / b:.1f}x" if a is not None and b > 0 else "-"

    print(
        f"\nagent overhead: {args.files} files in {args.dirs} folders, {args.burst}-file burst, idle {args.idle:.0f} s"
    )
    rows = [
        ("watching set-up (s)", r["setup_s"], floor["setup_s"], "< 2"),
        ("first full scan (s)", r["scan_s"], None, ""),
        ("idle CPU (% of a core)", r["idle_cpu_pct"], floor["idle_cpu_pct"], "< 0.5"),
        ("resident memory (MiB)", r["rss_mib"], floor["rss_mib"], "< 60"),
        ("peak resident memory (MiB)", r["rss_peak_mib"], None, ""),
        ("checkout rewriting N files, N reported: agent CPU (s)", r["to_cpu_s"], None, ""),
        ("  git subprocesses' CPU (s)", r["to_git_cpu_s"], None, ""),
        ("  messages", r["to_messages"], None, "1-2"),
        ("  wall time until the backend has it (s)", r["to_wall_s"], None, ""),
        ("checkout back (N files rewritten, 0 left): agent CPU (s)", r["back_cpu_s"], None, "< 1"),
        ("  git subprocesses' CPU (s)", r["back_git_cpu_s"], None, ""),
        ("  messages", r["back_messages"], None, "1-2"),
        ("  wall time until the backend has it (s)", r["back_wall_s"], None, ""),
        ("saved edit -> backend, median (ms)", r["latency_ms_median"], None, "< 100"),
        ("saved edit -> backend, p99 (ms)", r["latency_ms_p99"], None, "< 100"),
    ]
    print(f"| {'measure':57} | {'agent':>9} | {'watchfiles':>10} | {'ratio':>6} | target |")
    print(f"| {'-' * 57} | {'-' * 8}: | {'-' * 9}: | {'-' * 5}: | ------ |")
    for name, value, base, target in rows:
        shown = f"{value:.3f}" if isinstance(value, float) else str(value)
        base_shown = f"{base:.3f}" if base is not None else ""
        print(f"| {name:57} | {shown:>9} | {base_shown:>10} | {ratio(value, base) if base else '':>6} | {target:6} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--dirs", type=int, default=500)
    parser.add_argument("--burst", type=int, default=1_000)
    parser.add_argument("--idle", type=float, default=10.0, help="seconds of idle CPU measurement")
    parser.add_argument("--edits", type=int, default=50, help="saved edits timed for latency")
    args = parser.parse_args()
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
