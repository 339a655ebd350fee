"""Processes under test: `tandem server`, the relay floor, a throwaway Redis and a scratch PostgreSQL database."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import asyncpg

from bench.realtime.team import Team, make_teams

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")

BENCH_ENV = {
    # Cheap Argon2: set-up registers hundreds of accounts; the hub never hashes passwords.
    "TANDEM_PASSWORD_HASH_MEMORY_KIB": "8",
    "TANDEM_PASSWORD_HASH_TIME_COST": "1",
    "TANDEM_PASSWORD_HASH_PARALLELISM": "1",
    # Load generators and fan-out drivers send far more than a person's editor does.
    "TANDEM_WS_RATE": "1000000",
    "TANDEM_WS_BURST": "1000000",
    "TANDEM_WS_FLOOD_LIMIT": "1000000",
    "TANDEM_ACCESS_TOKEN_TTL": "3600",
}
"""Settings every benchmarked server gets; docs/benchmarks.md lists them."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def raise_fd_limit() -> int:
    """Raise this process's open-file limit to the hard limit (children inherit it); returns the new limit."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, from /proc (10 ms resolution)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def rss_bytes(pid: int) -> int:
    return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE


@dataclass
class Proc:
    """A child process listening on ``port``; its log goes to a file so its output never blocks it."""

    name: str
    popen: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def cpu(self) -> float:
        return cpu_seconds(self.pid)

    def rss(self) -> int:
        return rss_bytes(self.pid)

    def tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def profile(self, seconds: float, label: str) -> subprocess.Popen[bytes] | None:
        """With ``BENCH_PROFILE=DIR``, sample this process with py-spy for ``seconds`` into DIR (collapsed stacks)."""
        folder = os.environ.get("BENCH_PROFILE")
        spy = shutil.which("py-spy") or str(Path.home() / ".local/bin/py-spy")
        if not folder or not Path(spy).exists():
            return None
        Path(folder).mkdir(parents=True, exist_ok=True)
        out = Path(folder) / f"{label}-{self.name}.txt"
        argv = [spy, "record", "--pid", str(self.pid), "--duration", str(max(1, int(seconds))), "--rate", "250"]
        argv += ["--format", "raw", "--nonblocking", "--gil", "-o", str(out)]
        return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGINT)
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


def spawn(name: str, argv: list[str], env: dict[str, str], port: int, workdir: Path) -> Proc:
    log = workdir / f"{name}.log"
    with log.open("wb") as out:
        popen = subprocess.Popen(argv, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT, cwd=Path.cwd())
    return Proc(name, popen, port, log)


async def wait_http(proc: Proc, path: str = "/healthz", within: float = 60.0) -> None:
    deadline = time.monotonic() + within
    async with aiohttp.ClientSession() as session:
        while True:
            if proc.popen.poll() is not None:
                raise RuntimeError(f"{proc.name} exited with {proc.popen.returncode}:\n{proc.tail()}")
            try:
                async with session.get(proc.url + path) as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{proc.name} did not answer {path} in {within}s:\n{proc.tail()}")
            await asyncio.sleep(0.05)


@dataclass
class Deployment:
    """One or more backend processes sharing a database (and Redis when there are several)."""

    mode: str
    servers: list[Proc]
    workdir: Path
    env: dict[str, str] = field(default_factory=dict)


class Stack:
    """Owns every process and scratch resource a benchmark run starts; :meth:`close` removes them all."""

    def __init__(self) -> None:
        self.workdir = Path(tempfile.mkdtemp(prefix="tandem-bench-"))
        self.procs: list[Proc] = []
        self.databases: list[str] = []
        self.redis_url: str | None = None
        self.envs: dict[str, dict[str, str]] = {}
        self.populations: dict[tuple[str, str], list[Team]] = {}

    def _track(self, proc: Proc) -> Proc:
        self.procs.append(proc)
        return proc

    def stop(self, proc: Proc) -> None:
        proc.stop()
        if proc in self.procs:
            self.procs.remove(proc)

    async def close(self) -> None:
        for proc in reversed(self.procs):
            proc.stop()
        self.procs.clear()
        for name in self.databases:
            with contextlib.suppress(OSError, asyncpg.PostgresError):
                conn = await asyncpg.connect(PG_ADMIN)
                try:
                    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                finally:
                    await conn.close()
        shutil.rmtree(self.workdir, ignore_errors=True)

    # -- Redis and PostgreSQL ---------------------------------------------------------------------

    async def redis(self) -> str:
        """A throwaway redis-server: pub/sub channels are global to a server, so the shared one would mix our
        events with whatever tests run beside the benchmark."""
        if self.redis_url is None:
            binary = shutil.which("redis-server")
            if binary is None:
                raise RuntimeError("redis-server is not installed: scale-out rows need it")
            port = free_port()
            argv = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
            proc = self._track(spawn("redis", argv, {}, port, self.workdir))
            deadline = time.monotonic() + 10
            while True:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                        break
                except OSError:
                    if time.monotonic() > deadline or proc.popen.poll() is not None:
                        raise RuntimeError(f"redis-server did not start:\n{proc.tail()}") from None
                    await asyncio.sleep(0.05)
            self.redis_url = f"redis://127.0.0.1:{port}/0"
        return self.redis_url

    async def postgres(self) -> str:
        """A scratch database on the local PostgreSQL server, migrated with `tandem db upgrade`."""
        name = f"tandem_bench_{uuid.uuid4().hex[:10]}"
        conn = await asyncpg.connect(PG_ADMIN)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        self.databases.append(name)
        url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
        upgrade = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tandem",
            "db",
            "upgrade",
            env={**os.environ, "TANDEM_DATABASE_URL": url, "TANDEM_DATA_DIR": str(self.workdir / "db")},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await upgrade.communicate()
        if upgrade.returncode != 0:
            raise RuntimeError(f"tandem db upgrade failed:\n{output.decode(errors='replace')}")
        return url

    # -- servers ------------------------------------------------------------------------------------

    async def _mode_env(self, scale_out: bool) -> dict[str, str]:
        """One database (and secret key) per mode for the whole run, so accounts are set up once per mode."""
        mode = "scale-out" if scale_out else "embedded"
        if mode not in self.envs:
            env = {
                **BENCH_ENV,
                "TANDEM_DATA_DIR": str(self.workdir / f"{mode}-data"),
                "TANDEM_SECRET_KEY": secrets.token_urlsafe(48),
                # One service behind a load balancer: every process signs and checks tokens for this URL.
                "TANDEM_PUBLIC_URL": "http://127.0.0.1:8400",
            }
            if scale_out:
                env["TANDEM_DATABASE_URL"] = await self.postgres()
                env["TANDEM_REDIS_URL"] = await self.redis()
            self.envs[mode] = env
        return self.envs[mode]

    async def tandem(self, *, scale_out: bool = False, processes: int = 1, name: str = "tandem") -> Deployment:
        """Fresh `tandem server` process(es): embedded (SQLite, in-process bus) or on PostgreSQL + Redis."""
        if processes != 1 and not scale_out:
            raise ValueError("the embedded mode runs one process")
        env = await self._mode_env(scale_out)
        servers = []
        for n in range(processes):
            port = free_port()
            argv = [sys.executable, "-m", "tandem", "server", "--port", str(port)]
            servers.append(self._track(spawn(f"{name}{n}", argv, env, port, self.workdir)))
        for proc in servers:
            await wait_http(proc)
        return Deployment("scale-out" if scale_out else "embedded", servers, self.workdir, env)

    async def teams(self, deployment: Deployment, key: str, sizes: list[int]) -> list[Team]:
        """Teams set up once per mode and ``key`` through the API of ``deployment``, reused by later servers."""
        cache = (deployment.mode, key)
        if cache not in self.populations:
            started = time.perf_counter()
            self.populations[cache] = await make_teams(deployment.servers[0].url, sizes, prefix=key)
            accounts = sum(sizes)
            print(
                f"set-up [{deployment.mode}]: {accounts} accounts in {len(sizes)} projects ({key}) "
                f"in {time.perf_counter() - started:.0f}s",
                flush=True,
            )
        return self.populations[cache]

    async def relay(self, *, processes: int = 1, redis: bool = False, name: str = "relay") -> list[Proc]:
        """The floor: bare aiohttp relay process(es), through one Redis PUBLISH/SUBSCRIBE hop if ``redis``."""
        env = {}
        if redis:
            env["RELAY_REDIS_URL"] = await self.redis()
        relays = []
        for n in range(processes):
            port = free_port()
            argv = [sys.executable, "-m", "bench.realtime.relay", "--port", str(port)]
            relays.append(self._track(spawn(f"{name}{n}", argv, env, port, self.workdir)))
        for proc in relays:
            await wait_http(proc, "/")
        return relays


@contextlib.asynccontextmanager
async def stack() -> AsyncIterator[Stack]:
    owned = Stack()
    try:
        yield owned
    except BaseException:
        # Keep the processes' logs for a post-mortem.
        kept = Path(tempfile.mkdtemp(prefix="tandem-bench-failed-"))
        for log in owned.workdir.glob("*.log"):
            shutil.copy(log, kept / log.name)
        print(f"logs of the failed run kept in {kept}", file=sys.stderr)
        raise
    finally:
        await owned.close()
