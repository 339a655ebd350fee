"""The operator-facing documents stay true: every setting is documented, every linked document exists."""

from __future__ import annotations

import re
from pathlib import Path

from backend.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def test_every_setting_is_in_the_configuration_reference() -> None:
    reference = (ROOT / "docs" / "operations.md").read_text()
    documented = set(re.findall(r"^\| `TANDEM_([A-Z_]+)` \|", reference, re.MULTILINE))
    settings = {name.upper() for name in Settings.model_fields}
    assert settings - documented == set(), "add these settings to docs/operations.md"
    assert documented - settings - {"CONFIG_FILE"} == set(), "docs/operations.md lists settings that do not exist"


def test_readme_gives_the_two_setup_commands_and_links_that_resolve() -> None:
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme
    assert "make test" in readme
    assert "http://127.0.0.1:8400" in readme
    for target in re.findall(r"\]\(([^)#]+)\)", readme):
        if not target.startswith("http"):
            assert (ROOT / target).exists(), f"README links to a missing {target}"


def test_every_component_folder_says_what_lives_there() -> None:
    for folder in ("agent", "lsp", "editor-extensions", "dashboard", "bench"):
        assert (ROOT / folder / "README.md").read_text().strip(), folder
