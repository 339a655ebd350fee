"""Emacs with Eglot, in batch mode and real: a teammate's edit becomes a Flymake diagnostic (docs/editors/emacs.md).

`.ci/run` installs Debian's Emacs and Eglot; elsewhere this runs wherever they are installed
(`apt-get install emacs-nox elpa-eglot`, or Emacs 29+, which has Eglot built in) and is skipped otherwise.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from agent.daemon import Agent
from tests.editors.headless import run_editor
from tests.editors.scene import F5_BODY, alice_and_bob
from tests.lsp.conftest import NAMES

SCRIPT = Path(__file__).resolve().parent / "emacs" / "eglot-e2e.el"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def emacs() -> str:
    found = shutil.which("emacs")
    if found is None:
        pytest.skip("Emacs is not installed (apt-get install -y emacs-nox elpa-eglot)")
    probe = [found, "--batch", "--eval", "(progn (require 'package) (package-initialize) (require 'eglot))"]
    if subprocess.run(probe, capture_output=True, check=False, timeout=60).returncode != 0:
        pytest.skip("Eglot is not available to this Emacs (Emacs 29+, or Debian's elpa-eglot)")
    return found


async def test_teammate_edit_shows_in_emacs_eglot(
    emacs: str,
    client: TestClient[Any, Any],
    origin: Path,
    tmp_path: Path,
    start_agent: Callable[..., Awaitable[Agent]],
) -> None:
    scene = await alice_and_bob(client, origin, tmp_path, start_agent)
    env = scene.env(tmp_path / "emacs", HOME=str(tmp_path / "home"))
    run = await run_editor([emacs, "--batch", "-l", str(SCRIPT)], env, scene.on_line)
    assert run.code == 0, run.explain()

    (diagnostic,) = run.result["diagnostics"]
    assert diagnostic["line"] == F5_BODY, run.explain()
    assert diagnostic["type"] == "eglot-warning"
    assert f"{NAMES[1]} is also changing line {F5_BODY + 1} on feature" in diagnostic["text"]
    assert run.result["presence"]["summary"] == "1 online · 1 conflict"
