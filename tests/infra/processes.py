"""Run the real ``tandem`` command in subprocesses: one-shot commands and servers that are always stopped."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests import services

START_TIMEOUT = 30.0


def tandem_env(**settings: str) -> dict[str, str]:
    """This process's environment without any ``TANDEM_*`` variable, plus ``settings`` as ``TANDEM_<NAME>``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANDEM_")}
    env.update({f"TANDEM_{name.upper()}": value for name, value in settings.items()})
    return env


def run_tandem(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tandem", *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def http_status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as err:
        return err.code
    except OSError:
        return None


class ServerProcess:
    """A ``tandem server`` subprocess; its stderr (the logs) goes to a file for the test to read."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = services.free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log = log
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tandem", "server", "--port", str(self.port)],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def wait_ready(self, path: str = "/readyz") -> None:
        """Poll until ``path`` answers 200: a process's start-up gives us no event to wait on."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"tandem server exited with {self.process.returncode}:\n{self.output()}")
            if http_status(self.base_url + path) == 200:
                return
            time.sleep(0.05)
        raise AssertionError(f"tandem server not ready within {START_TIMEOUT:.0f}s:\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> int:
        return services.stop_process(self.process)


@contextmanager
def tandem_server(env: dict[str, str], log: Path) -> Iterator[ServerProcess]:
    """Start a server and stop it however the ``with`` block ends."""
    server = ServerProcess(env, log)
    try:
        yield server
    finally:
        server.stop()
