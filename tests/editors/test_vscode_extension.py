"""The VS Code extension builds from its lock file, lints, passes its unit tests and packages a .vsix offline."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import zipfile
from pathlib import Path

import pytest

EXTENSION = Path(__file__).resolve().parents[2] / "editor-extensions" / "vscode"
# Built or installed here; everything else is the extension's source.
GENERATED = ("node_modules", "out", "dist", "*.vsix")
STEP_TIMEOUT = 600


def _node_major() -> int:
    out = subprocess.run(["node", "--version"], capture_output=True, text=True, check=True).stdout
    return int(out.strip().lstrip("v").split(".")[0])


def _offline() -> list[str]:
    """A prefix that runs a command without network (a new network namespace), when this machine allows it."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return []
    for prefix in ([unshare, "-n"], [unshare, "-rn"]):
        if subprocess.run([*prefix, "true"], capture_output=True, check=False).returncode == 0:
            return prefix
    return []


@pytest.fixture
def npm() -> str:
    found = shutil.which("npm")
    if found is None or shutil.which("node") is None:
        if os.environ.get("CI"):
            pytest.fail("npm and node are needed in CI (.ci/run installs them when missing)", pytrace=False)
        pytest.skip("npm/node not installed: the VS Code extension cannot be built here")
    if _node_major() < 20:
        pytest.fail("the VS Code extension's tools need Node.js 20 or later", pytrace=False)
    return found


@pytest.mark.slow
@pytest.mark.timeout(4 * STEP_TIMEOUT)
def test_npm_ci_lint_test_package(npm: str, tmp_path: Path) -> None:
    # A copy, so that `npm ci` (which deletes node_modules first) never touches a developer's checkout.
    work = tmp_path / "vscode"
    shutil.copytree(EXTENSION, work, ignore=shutil.ignore_patterns(*GENERATED))
    steps = [
        # --prefer-offline: what the npm cache already holds is not asked for again (a third less time warm).
        [npm, "ci", "--no-audit", "--no-fund", "--prefer-offline"],
        [npm, "run", "lint"],
        [npm, "test"],
        [*_offline(), npm, "run", "package"],
    ]
    for argv in steps:
        started = time.monotonic()
        run = subprocess.run(argv, cwd=work, capture_output=True, text=True, timeout=STEP_TIMEOUT, check=False)
        print(f"{' '.join(argv[-2:])}: {time.monotonic() - started:.1f} s")  # shown with -rP, or on failure
        assert run.returncode == 0, f"{' '.join(argv)} failed:\n{run.stdout[-4000:]}\n{run.stderr[-4000:]}"
        if argv[-1] == "test":
            assert "# fail 0" in run.stdout, run.stdout[-2000:]
            assert "# pass 0" not in run.stdout

    with zipfile.ZipFile(work / "dist" / "tandem.vsix") as vsix:
        names = set(vsix.namelist())
        manifest = json.loads(vsix.read("extension/package.json"))
    assert {"extension/dist/extension.js", "extension/package.json", "extension/readme.md"} <= names
    assert not any("node_modules" in name or name.endswith(".ts") for name in names), sorted(names)
    assert manifest["main"] == "./dist/extension.js"
    assert manifest["contributes"]["configuration"]["properties"]["tandem.command"]["default"] == ["tandem", "lsp"]
