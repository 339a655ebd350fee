"""Hover on a flagged line: who, on which branch, how long ago, and their change when they share diffs. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from lsp.diagnostics import Flag, dashboard_url, message
from lsp.spans import Span
from lsp.text import display_name
from tandem.protocol import MemberInfo, SharedHunk

MAX_DIFF_LINES = 40


def _fence(text: str) -> str:
    lines = text.splitlines()
    shown = lines[:MAX_DIFF_LINES]
    more = f"\n… {len(lines) - MAX_DIFF_LINES} more lines" if len(lines) > MAX_DIFF_LINES else ""
    fence = "````" if "```" in text else "```"
    return f"{fence}\n" + "\n".join(shown) + f"\n{fence}{more}"


def _meets(hunk: SharedHunk, theirs: Span | None) -> bool:
    if theirs is None:
        return True
    span = Span.from_wire(hunk.new)
    return span.start <= max(theirs.end, theirs.start) and max(span.end, span.start) >= theirs.start


def flag_markdown(flag: Flag, names: Mapping[str, MemberInfo], now: float, server: str) -> str:
    finding, other = flag.finding, flag.finding.other
    name = display_name(other.user_id, names)
    member = names.get(other.user_id)
    who = f"**{name}**" + (f" ({member.email})" if member and member.email and member.email != name else "")
    parts = [f"{who} · Tandem {flag.severity}", message(flag, names, now) + "."]
    if flag.symbols:
        parts.append("Touches " + ", ".join(f"`{s}`" for s in flag.symbols) + ".")
    hunks = [h for h in other.diff if _meets(h, flag.theirs)]
    if hunks:
        parts.append(f"{name}'s change:")
        parts.extend(_fence(h.text) for h in hunks if h.text)
    elif not other.diff:
        parts.append(f"_{name} does not share diffs._")
    if server:
        parts.append(f"[Open in the Tandem dashboard]({dashboard_url(server, finding.project_id, finding.id)})")
    return "\n\n".join(parts)


def hover_markdown(found: Sequence[Flag], names: Mapping[str, MemberInfo], now: float, server: str) -> str | None:
    """Markdown for the flags on the hovered line, or None (then other servers' hovers show alone)."""
    if not found:
        return None
    return "\n\n---\n\n".join(flag_markdown(flag, names, now, server) for flag in found)
