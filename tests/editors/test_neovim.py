"""Neovim with the Tandem plugin, headless and real: a teammate's edit becomes a diagnostic and a statusline."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from agent.daemon import Agent
from tests.agent_daemon.conftest import MAIN_PY, clone_of
from tests.lsp.conftest import NAMES, named_team

PLUGIN = Path(__file__).resolve().parents[2] / "editor-extensions" / "neovim"
SCRIPTS = Path(__file__).resolve().parent / "nvim"
MAIN = "app/main.py"
F5_BODY = MAIN_PY.splitlines().index("    y = x * 5")  # 0-based, as Neovim's diagnostics count
WAIT = 30.0

pytestmark = pytest.mark.slow


@dataclass
class Run:
    code: int
    result: dict[str, Any]
    stderr: str
    lsp_log: str

    def explain(self) -> str:
        return f"exit {self.code}\nresult: {json.dumps(self.result, indent=1)}\nstderr: {self.stderr}\n{self.lsp_log}"


@pytest.fixture
def nvim() -> str:
    """Debian's Neovim (0.7 on bookworm), or the one TANDEM_TEST_NVIM names (to try another version)."""
    found = os.environ.get("TANDEM_TEST_NVIM") or shutil.which("nvim")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("Neovim is needed in CI (.ci/run installs it when missing)", pytrace=False)
        pytest.skip("nvim not installed (apt-get install -y neovim)")
    return found


def editor_env(tmp: Path, agent: Agent | None, **extra: str) -> dict[str, str]:
    """Neovim's environment: its own XDG dirs (its LSP log lands there) and the person's Tandem dirs."""
    env = {**os.environ, "TANDEM_PLUGIN": str(PLUGIN), "TANDEM_TEST_OUT": str(tmp / "result.json")}
    for name in ("CONFIG", "DATA", "STATE", "CACHE"):
        env[f"XDG_{name}_HOME"] = str(tmp / name.lower())
    if agent is not None:
        env |= {"TANDEM_RUNTIME_DIR": str(agent.runtime_dir), "TANDEM_CONFIG_DIR": str(agent.config_dir)}
    env["TANDEM_TEST_CMD"] = json.dumps([sys.executable, "-m", "tandem", "lsp"])
    env["TANDEM_TEST_WAIT_MS"] = str(int(WAIT * 1000))
    return env | extra


async def run_nvim(
    nvim: str, script: str, env: dict[str, str], on_line: Callable[[str], Awaitable[None]] | None = None
) -> Run:
    """Run ``nvim --headless --clean -u <script>``; each ``TANDEM-TEST <word>`` it prints goes to ``on_line``."""
    proc = await asyncio.create_subprocess_exec(
        nvim,
        "--headless",
        "--clean",
        "-u",
        str(SCRIPTS / script),
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
    result, lsp_log = await asyncio.to_thread(_outputs, env)
    return Run(code, result, "\n".join(lines)[-4000:], lsp_log)


def _outputs(env: dict[str, str]) -> tuple[dict[str, Any], str]:
    """What the script wrote, and the end of Neovim's LSP log (the server's stderr is there too)."""
    out = Path(env["TANDEM_TEST_OUT"])
    result = json.loads(out.read_text()) if out.exists() else {}
    for base in ("XDG_CACHE_HOME", "XDG_STATE_HOME"):  # Neovim 0.7 logs to the cache dir, later ones to state
        log = Path(env[base]) / "nvim" / "lsp.log"
        if log.exists():
            return result, log.read_text()[-6000:]
    return result, "(no lsp.log)"


async def test_teammate_edit_shows_in_neovim(
    nvim: str,
    client: TestClient[Any, Any],
    origin: Path,
    tmp_path: Path,
    start_agent: Callable[..., Awaitable[Agent]],
) -> None:
    team = await named_team(client)
    alice_box, bob_box = clone_of(origin, tmp_path / "alice"), clone_of(origin, tmp_path / "bob")
    alice = await start_agent(team, 0, alice_box.root)
    await start_agent(team, 1, bob_box.root)  # Bob's agent, watching his clone

    async def on_line(word: str) -> None:
        if word == "ready":  # Alice's Neovim is online with her edit in the buffer: Bob edits the same line
            bob_box.write(MAIN, MAIN_PY.replace("    y = x * 5\n", "    y = x * 500\n"))

    env = editor_env(
        tmp_path / "nvim",
        alice,
        TANDEM_TEST_FILE=str(alice_box.root / MAIN),
        TANDEM_TEST_LINE=str(F5_BODY),
        TANDEM_TEST_TEXT="    y = x * 50",
    )
    run = await run_nvim(nvim, "e2e.lua", env, on_line)
    assert run.code == 0, run.explain()
    result = run.result

    (diagnostic,) = result["diagnostics"]
    assert (diagnostic["lnum"], diagnostic["end_lnum"]) == (F5_BODY, F5_BODY), run.explain()
    assert diagnostic["message"].startswith(f"{NAMES[1]} is also changing line {F5_BODY + 1} on feature")
    assert diagnostic["message"].endswith("merging would conflict")
    assert diagnostic["severity"] == result["warn_severity"]
    assert diagnostic["source"] == "tandem"

    assert result["presence_before"]["findings"]["conflict"] == 0  # it arrived while Neovim was running
    presence = result["presence"]
    assert presence["connection"] == "online"
    assert presence["project"] == {"id": team.project_id, "name": "Widgets"}
    (teammate,) = presence["teammates"]
    assert (teammate["name"], teammate["branch"]) == (NAMES[1], "feature")
    assert result["statusline"] == "1 online · 1 conflict"
    assert result["statusline_names"] == f"1 online ({NAMES[1]}) · 1 conflict"

    lines = result["status_lines"]
    assert lines[0] == "Tandem: online, project Widgets — 1 online · 1 conflict"
    assert any(line.strip().startswith(f"{NAMES[1]} — feature") for line in lines), lines
    assert any(line.strip().startswith(f"{alice_box.root} (Widgets) on feature: ready") for line in lines), lines
    assert result["opened"] == f"{team.server}/dashboard/projects/{team.project_id}"


async def test_plugin_clients_settings_and_restart(nvim: str, tmp_path: Path, short_dir: Callable[[str], Path]) -> None:
    roots = []
    for name in ("a", "b"):
        root = tmp_path / name
        (root / ".git").mkdir(parents=True)  # the root marker is all the plugin looks at
        (root / "sub").mkdir()
        roots.append(root)
    env = editor_env(tmp_path / "nvim", None, TANDEM_TEST_ROOT_A=str(roots[0]), TANDEM_TEST_ROOT_B=str(roots[1]))
    # Nobody's agent: a runtime dir without a socket, and the server may not start one.
    env |= {"TANDEM_RUNTIME_DIR": str(short_dir("run")), "TANDEM_CONFIG_DIR": str(short_dir("cfg"))}
    run = await run_nvim(nvim, "plugin.lua", env)
    assert run.code == 0, run.explain()
    assert run.result["ok"] is True
    assert len(run.result["checks"]) > 20
