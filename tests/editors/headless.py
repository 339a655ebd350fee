"""Headless editors driven by a script: their environment, the run, and what they wrote back."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent.daemon import Agent

PLUGIN = Path(__file__).resolve().parents[2] / "editor-extensions" / "neovim"
WAIT = 30.0
"""Seconds a script waits for each event (passed to it); the whole run gets three times that."""

OnLine = Callable[[str], Awaitable[None]]


@dataclass
class Run:
    code: int
    result: dict[str, Any]
    stderr: str
    log: str

    def explain(self) -> str:
        return f"exit {self.code}\nresult: {json.dumps(self.result, indent=1)}\nstderr: {self.stderr}\n{self.log}"


def editor_env(tmp: Path, agent: Agent | None, **extra: str) -> dict[str, str]:
    """The editor's environment: its own HOME and XDG dirs (its LSP log lands there) and the person's Tandem dirs.

    The script reads ``TANDEM_TEST_*``: the server command (JSON), how long to wait, where to write its result.
    """
    tmp.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "TANDEM_PLUGIN": str(PLUGIN), "TANDEM_TEST_OUT": str(tmp / "result.json")}
    for name in ("CONFIG", "DATA", "STATE", "CACHE"):
        env[f"XDG_{name}_HOME"] = str(tmp / name.lower())
    if agent is not None:
        env |= {"TANDEM_RUNTIME_DIR": str(agent.runtime_dir), "TANDEM_CONFIG_DIR": str(agent.config_dir)}
    env["TANDEM_TEST_CMD"] = json.dumps([sys.executable, "-m", "tandem", "lsp"])
    env["TANDEM_TEST_WAIT_MS"] = str(int(WAIT * 1000))
    return env | extra


async def run_editor(argv: Sequence[str], env: dict[str, str], on_line: OnLine | None = None) -> Run:
    """Run the editor until it exits; each ``TANDEM-TEST <word>`` line on its stderr goes to ``on_line``."""
    proc = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    assert proc.stderr is not None
    lines: list[str] = []
    try:
        async with asyncio.timeout(3 * WAIT):
            async for raw in proc.stderr:
                line = raw.decode(errors="replace").rstrip("\n")
                lines.append(line)
                if line.startswith("TANDEM-TEST ") and on_line is not None:
                    await on_line(line.removeprefix("TANDEM-TEST "))
            code = await proc.wait()
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    result, log = await asyncio.to_thread(_outputs, env)
    return Run(code, result, "\n".join(lines)[-4000:], log)


def _outputs(env: dict[str, str]) -> tuple[dict[str, Any], str]:
    """What the script wrote, and the end of Neovim's LSP log (the server's stderr is there too)."""
    out = Path(env["TANDEM_TEST_OUT"])
    result = json.loads(out.read_text()) if out.exists() else {}
    for base in ("XDG_CACHE_HOME", "XDG_STATE_HOME"):  # Neovim 0.7 logs to the cache dir, later ones to state
        log = Path(env[base]) / "nvim" / "lsp.log"
        if log.exists():
            return result, log.read_text()[-6000:]
    return result, ""
