"""Neovim with the Tandem plugin, headless and real: a teammate's edit becomes a diagnostic and a statusline."""

from __future__ import annotations

import os
import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from agent.daemon import Agent
from tests.agent_daemon.conftest import MAIN_PY, clone_of
from tests.editors.headless import OnLine, Run, editor_env, run_editor
from tests.lsp.conftest import NAMES, named_team

SCRIPTS = Path(__file__).resolve().parent / "nvim"
MAIN = "app/main.py"
F5_BODY = MAIN_PY.splitlines().index("    y = x * 5")  # 0-based, as Neovim's diagnostics count

pytestmark = pytest.mark.slow


@pytest.fixture
def nvim() -> str:
    """Debian's Neovim (0.7 on bookworm), or the one TANDEM_TEST_NVIM names (to try another version)."""
    found = os.environ.get("TANDEM_TEST_NVIM") or shutil.which("nvim")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("Neovim is needed in CI (.ci/run installs it when missing)", pytrace=False)
        pytest.skip("nvim not installed (apt-get install -y neovim)")
    return found


async def run_nvim(nvim: str, script: str, env: dict[str, str], on_line: OnLine | None = None) -> Run:
    return await run_editor([nvim, "--headless", "--clean", "-u", str(SCRIPTS / script)], env, on_line)


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
    outside = tmp_path / "outside"
    outside.mkdir()
    env = editor_env(
        tmp_path / "nvim",
        None,
        TANDEM_TEST_ROOT_A=str(roots[0]),
        TANDEM_TEST_ROOT_B=str(roots[1]),
        TANDEM_TEST_OUTSIDE=str(outside),
    )
    # Nobody's agent: a runtime dir without a socket, and the server may not start one.
    env |= {"TANDEM_RUNTIME_DIR": str(short_dir("run")), "TANDEM_CONFIG_DIR": str(short_dir("cfg"))}
    run = await run_nvim(nvim, "plugin.lua", env)
    assert run.code == 0, run.explain()
    assert run.result["ok"] is True
    assert len(run.result["checks"]) > 20
