"""What people read: time ago, names, finding messages, the presence summary."""

from __future__ import annotations

from typing import Any

import pytest

from lsp.text import ago, display_name, finding_message, summary
from tandem.protocol import LspFindingCounts, MemberInfo

NOW = 1_800_000_000.0


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "just now"),
        (44, "just now"),
        (50, "1 min ago"),
        (120, "2 min ago"),
        (59 * 60, "59 min ago"),
        (3600, "1 h ago"),
        (5 * 3600, "5 h ago"),
        (26 * 3600, "1 day ago"),
        (3 * 86400, "3 days ago"),
        (-30, "just now"),  # clocks disagree a little
    ],
)
def test_ago(seconds: float, text: str) -> None:
    assert ago(NOW - seconds, NOW) == text


def test_ago_unknown() -> None:
    assert ago(0, NOW) == ""


def test_names_fall_back_to_the_email_then_the_id() -> None:
    names = {
        "u1": MemberInfo(user_id="u1", name="Alice Moreau", email="alice@example.com"),
        "u2": MemberInfo(user_id="u2", name=" ", email="bob@example.com"),
    }
    assert display_name("u1", names) == "Alice Moreau"
    assert display_name("u2", names) == "bob@example.com"
    assert display_name("u3", names) == "u3"
    assert display_name("", names) == "a teammate"


def test_messages_by_severity() -> None:
    common: dict[str, Any] = {"name": "Alice Moreau", "branch": "feat/login", "when": "2 min ago"}
    assert (
        finding_message(severity="conflict", lines="40-52", **common)
        == "Alice Moreau is also changing lines 40-52 on feat/login (2 min ago): merging would conflict"
    )
    assert (
        finding_message(severity="overlap", lines="7", symbols=("Cart", "Cart.add"), **common)
        == "Alice Moreau is also changing code in Cart.add (line 7) on feat/login (2 min ago)"
    )
    assert (
        finding_message(severity="nearby", lines="before 12", **common)
        == "Alice Moreau is changing this file nearby (the lines before 12) on feat/login (2 min ago)"
    )
    whole = finding_message(name="Bob", severity="conflict", lines="", branch="", when="", approximate=True)
    assert whole == "Bob is also changing the whole file: merging would conflict; approximate: your base commits differ"


def test_summary() -> None:
    counts = LspFindingCounts(conflict=1, overlap=2, nearby=3)
    assert summary("online", 3, counts) == "3 online · 1 conflict · 2 overlaps · 3 nearby"
    assert summary("online", 0, LspFindingCounts()) == "0 online"
    assert summary("offline", 3, LspFindingCounts(conflict=2)) == "offline · 2 conflicts"
    assert summary("no_agent", 0, LspFindingCounts()) == "agent not running"
    assert summary("signed_out", 0, LspFindingCounts()) == "signed out"
