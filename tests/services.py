"""Find (or start) the PostgreSQL and Redis servers the tests talk to.

Order for each: the URL in ``TANDEM_TEST_DATABASE_URL`` / ``TANDEM_TEST_REDIS_URL``; else the server on its
standard local port (5432, 6379) if it answers; else a throwaway server started from the locally installed
binaries on a free port, stopped at the end of the run. With none of these, :class:`ServiceMissing` says
what to install.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import asyncpg
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy.engine import make_url

DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
INSTALL_HINT = (
    "install the servers (Debian/Ubuntu: `apt-get install postgresql redis-server`; macOS: "
    "`brew install postgresql redis`), or point TANDEM_TEST_DATABASE_URL / TANDEM_TEST_REDIS_URL at running ones"
)
START_TIMEOUT = 30.0

Origin = Literal["env", "local", "throwaway"]


class ServiceMissing(RuntimeError):
    """No server was reachable and none could be started here."""


@dataclass(frozen=True)
class ServiceUrls:
    postgres: str | None
    redis: str | None


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def run_sync(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run a coroutine to completion from sync code, even when an event loop runs in this thread."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def scratch_database_name() -> str:
    return f"tandem_test_{uuid.uuid4().hex[:12]}"


def _libpq_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _pg_execute(url: str, *statements: str) -> None:
    conn = await asyncpg.connect(_libpq_dsn(url), timeout=5)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


def postgres_answers(url: str) -> bool:
    try:
        run_sync(_pg_execute(url, "SELECT 1"))
    except (TimeoutError, OSError, asyncpg.PostgresError):
        return False
    return True


def redis_answers(url: str) -> bool:
    client = Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2)
    try:
        return bool(client.ping())
    except (RedisError, OSError):
        return False
    finally:
        client.close()


@contextlib.contextmanager
def scratch_database(server_url: str) -> Iterator[str]:
    """Create an empty database on the server at ``server_url``; yield its URL; drop it afterwards."""
    name = scratch_database_name()
    run_sync(_pg_execute(server_url, f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        run_sync(_pg_execute(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


# -- throwaway servers ------------------------------------------------------------------------------------


@dataclass
class Throwaway:
    """A server process started for this test run, with the directory it keeps its files in."""

    url: str
    process: subprocess.Popen[bytes]
    workdir: Path
    log: Path

    def stop(self) -> None:
        # SIGINT is PostgreSQL's "fast shutdown"; redis-server also exits cleanly on it.
        stop_process(self.process)
        shutil.rmtree(self.workdir, ignore_errors=True)


def find_binary(name: str) -> str | None:
    """``name`` on PATH, else in Debian's versioned PostgreSQL directories (newest first)."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0,
        reverse=True,
    )
    return candidates[0] if candidates else None


def stop_process(process: subprocess.Popen[bytes], timeout: float = 10) -> int:
    """Interrupt a server we started (SIGINT: a clean shutdown), killing it if it lingers; its exit code."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


def wait_until(ready: Callable[[], bool], process: subprocess.Popen[bytes], log: Path, what: str) -> None:
    """Poll ``ready()`` until it is true; fail early if the process died. Start-up has no event to await."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServiceMissing(f"{what} exited with {process.returncode} at start:\n{_tail(log)}")
        if ready():
            return
        time.sleep(0.05)
    process.kill()
    raise ServiceMissing(f"{what} did not answer within {START_TIMEOUT:.0f}s:\n{_tail(log)}")


def _tail(log: Path, lines: int = 20) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _postgres_user() -> dict[str, Any]:
    """initdb and postgres refuse to run as root: as root, run them as the ``postgres`` system user."""
    if os.geteuid() != 0:
        return {}
    try:
        user = pwd.getpwnam("postgres")
    except KeyError as err:
        raise ServiceMissing("running as root, and there is no `postgres` user to run initdb as") from err
    return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}


def start_postgres() -> Throwaway:
    """initdb into a temporary directory and start ``postgres`` on a free port (trust auth, no fsync)."""
    initdb, postgres = find_binary("initdb"), find_binary("postgres")
    if initdb is None or postgres is None:
        raise ServiceMissing(f"PostgreSQL is not running and its binaries are not installed: {INSTALL_HINT}")
    as_user = _postgres_user()
    workdir = Path(tempfile.mkdtemp(prefix="tandem-pg-"))
    if as_user:
        os.chown(workdir, as_user["user"], as_user["group"])
    data, log = workdir / "data", workdir / "postgres.log"
    init = subprocess.run(
        [initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"],
        capture_output=True,
        check=False,
        cwd=workdir,
        **as_user,
    )
    if init.returncode != 0:
        shutil.rmtree(workdir, ignore_errors=True)
        raise ServiceMissing(f"initdb failed:\n{init.stderr.decode(errors='replace')}")
    port = free_port()
    argv = [postgres, "-D", str(data), "-p", str(port), "-k", str(workdir)]
    argv += ["-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "full_page_writes=off"]
    argv += ["-c", "synchronous_commit=off", "-c", "max_connections=200"]
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{port}/postgres"
    return _launch(argv, url, workdir, log, lambda: postgres_answers(url), port, "postgres", as_user)


def start_redis(port: int | None = None, *, password: str | None = None, unix_socket: str | None = None) -> Throwaway:
    """Start ``redis-server`` on ``port`` (default: a free one) with persistence off; its URL has the password.

    ``unix_socket``: a path where it listens too.
    """
    binary = find_binary("redis-server")
    if binary is None:
        raise ServiceMissing(f"Redis is not running and redis-server is not installed: {INSTALL_HINT}")
    workdir = Path(tempfile.mkdtemp(prefix="tandem-redis-"))
    log, port = workdir / "redis.log", port or free_port()
    argv = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    argv += ["--dir", str(workdir), "--daemonize", "no"]
    if password is not None:
        argv += ["--requirepass", password]
    if unix_socket is not None:
        argv += ["--unixsocket", unix_socket, "--unixsocketperm", "700"]
    url = f"redis://{'' if password is None else f':{password}@'}127.0.0.1:{port}/0"
    return _launch(argv, url, workdir, log, lambda: redis_answers(url), port, "redis-server")


def _launch(
    argv: list[str],
    url: str,
    workdir: Path,
    log: Path,
    answers: Callable[[], bool],
    port: int,
    what: str,
    as_user: dict[str, Any] | None = None,
) -> Throwaway:
    """Start a server logging into ``log`` and wait until it listens on ``port`` and ``answers()``."""
    as_user = as_user or {}
    with log.open("wb") as out:
        if as_user:
            os.chown(log, as_user["user"], as_user["group"])
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, cwd=workdir, **as_user)
    server = Throwaway(url=url, process=process, workdir=workdir, log=log)
    try:
        wait_until(lambda: port_open("127.0.0.1", port) and answers(), process, log, what)
    except BaseException:
        server.stop()
        raise
    return server


# -- discovery ----------------------------------------------------------------------------------------------


def _discover(variable: str, port: int, default: str, answers: Callable[[str], bool]) -> tuple[str, Origin] | None:
    url = os.environ.get(variable)
    if url:
        return url, "env"
    if port_open("127.0.0.1", port) and answers(default):
        return default, "local"
    return None


def discover_postgres() -> tuple[str, Origin] | None:
    """The PostgreSQL server to use without starting one, and where it came from."""
    return _discover("TANDEM_TEST_DATABASE_URL", 5432, DEFAULT_PG, postgres_answers)


def discover_redis() -> tuple[str, Origin] | None:
    """The Redis server to use without starting one, and where it came from."""
    return _discover("TANDEM_TEST_REDIS_URL", 6379, DEFAULT_REDIS, redis_answers)


def discover() -> ServiceUrls:
    """Explicit URLs from the environment, else the standard local ports, else None (no server started)."""
    pg, redis = discover_postgres(), discover_redis()
    return ServiceUrls(pg[0] if pg else None, redis[0] if redis else None)


@contextlib.contextmanager
def postgres_server() -> Iterator[tuple[str, Origin]]:
    """A PostgreSQL server URL for the whole run: found, or started and stopped around the ``with``."""
    found = discover_postgres()
    if found is not None:
        yield found
        return
    server = start_postgres()
    try:
        yield server.url, "throwaway"
    finally:
        server.stop()


@contextlib.contextmanager
def redis_server() -> Iterator[tuple[str, Origin]]:
    found = discover_redis()
    if found is not None:
        yield found
        return
    server = start_redis()
    try:
        yield server.url, "throwaway"
    finally:
        server.stop()
