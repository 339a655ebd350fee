"""The dashboard's sources keep its promises: no inline code, no CDN, no HTML parsing of data, no tokens on disk."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from backend.api.dashboard import STATIC_DIR as STATIC

SCRIPTS = sorted((STATIC / "js").rglob("*.js"))


def test_the_page_has_no_inline_code_and_no_foreign_sources() -> None:
    html = (STATIC / "index.html").read_text()
    assert re.findall(r"<script(?![^>]*\bsrc=)", html) == [], "inline scripts are refused by the CSP"
    assert not re.search(r"\son\w+\s*=", html), "inline event handlers are refused by the CSP"
    assert "style=" not in html
    for file in [STATIC / "index.html", STATIC / "app.css", *SCRIPTS]:
        assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}/", file.read_text()), f"{file.name}: no CDN"


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_scripts_never_parse_data_as_html_or_keep_tokens_on_disk(script: Path) -> None:
    source = script.read_text()
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert sink not in source, f"{script.name} uses {sink}"
    assert not re.search(r"\blocalStorage\s*[.\[]", source), "refresh tokens live in sessionStorage only"
