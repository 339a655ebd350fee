"""docs/editors stays true to the clients: every page linked, every setting, option and command documented."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "editors"
VSCODE = ROOT / "editor-extensions" / "vscode"
NEOVIM = ROOT / "editor-extensions" / "neovim" / "lua" / "tandem"
PAGES = {"vscode.md", "neovim.md", "emacs.md", "helix.md", "sublime.md", "jetbrains.md"}


def test_the_index_links_every_page_and_each_page_covers_the_basics() -> None:
    index = (DOCS / "README.md").read_text()
    linked = set(re.findall(r"\]\(([a-z]+\.md)\)", index))
    assert linked == PAGES
    assert {p.name for p in DOCS.glob("*.md")} == PAGES | {"README.md"}
    for page in PAGES:
        text = (DOCS / page).read_text()
        assert "## What you see" in text, page
        assert "## Troubleshooting" in text, page
        assert "tandem status" in text, page
        assert "tandem login" in text or "Sign In" in text, page


def test_the_vscode_page_lists_every_setting_and_command() -> None:
    manifest = json.loads((VSCODE / "package.json").read_text())
    page = (DOCS / "vscode.md").read_text()
    documented = set(re.findall(r"^\| `(tandem\.[a-zA-Z.]+)` \|", page, re.MULTILINE))
    assert documented == set(manifest["contributes"]["configuration"]["properties"])
    for command in manifest["contributes"]["commands"]:
        assert f"**Tandem: {command['title']}**" in page, command


def test_the_neovim_page_lists_every_option_and_command() -> None:
    config = (NEOVIM / "config.lua").read_text()
    defaults = config[config.index("M.defaults = {") : config.index("\n}\n")]
    options = set(re.findall(r"^  ([a-z_]+) = ", defaults, re.MULTILINE))
    assert {"cmd", "severity", "root_markers"} <= options
    page = (DOCS / "neovim.md").read_text()
    setup = page[page.index('require("tandem").setup({\n') : page.index("})\n```", page.index("## Configure"))]
    assert set(re.findall(r"^  ([a-z_]+) = ", setup, re.MULTILINE)) == options
    commands = set(re.findall(r'command\("(Tandem[A-Za-z]+)"', (NEOVIM / "init.lua").read_text()))
    assert commands == set(re.findall(r"^\| `:(Tandem[A-Za-z]+)", page, re.MULTILINE))
