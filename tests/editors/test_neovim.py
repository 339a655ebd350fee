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
from tests.editors.headless import OnLine, Run, editor_env, run_editor
from tests.editors.scene import F5_BODY, alice_and_bob
from tests.lsp.conftest import NAMES

SCRIPTS = Path(__file__).resolve().parent / "nvim"

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
    scene = await alice_and_bob(client, origin, tmp_path, start_agent)
    env = scene.env(tmp_path / "nvim")
    run = await run_nvim(nvim, "e2e.lua", env, scene.on_line)
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
    assert presence["project"] == {"id": scene.team.project_id, "name": "Widgets"}
    (teammate,) = presence["teammates"]
    assert (teammate["name"], teammate["branch"]) == (NAMES[1], "feature")
    assert result["statusline"] == "1 online · 1 conflict"
    assert result["statusline_names"] == f"1 online ({NAMES[1]}) · 1 conflict"

    lines = result["status_lines"]
    assert lines[0] == "Tandem: online, project Widgets — 1 online · 1 conflict"
    assert any(line.strip().startswith(f"{NAMES[1]} — feature") for line in lines), lines
    assert any(line.strip().startswith(f"{scene.alice_box.root} (Widgets) on feature: ready") for line in lines), lines
    assert result["opened"] == f"{scene.team.server}/dashboard/projects/{scene.team.project_id}"


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
