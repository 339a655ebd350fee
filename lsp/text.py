"""What people read: names, "2 min ago", a finding's message, the one-line presence summary."""

from __future__ import annotations

from collections.abc import Mapping

from tandem.protocol import LspConnection, LspFindingCounts, MemberInfo

SEPARATOR = " · "

_CONNECTION_WORDS: dict[str, str] = {
    "signed_out": "signed out",
    "connecting": "connecting…",
    "offline": "offline",
    "unauthorized": "sign in again",
    "incompatible": "update Tandem",
    "paused": "paused",
    "no_agent": "agent not running",
}


def display_name(user_id: str, names: Mapping[str, MemberInfo]) -> str:
    """The member's name, else their email, else the user id (the agent may not know names yet)."""
    member = names.get(user_id)
    if member is not None:
        return member.name.strip() or member.email or user_id
    return user_id or "a teammate"


def ago(then: float, now: float) -> str:
    """``just now``, ``1 min ago``, ``5 min ago``, ``2 h ago``, ``3 days ago``; empty when ``then`` is unknown."""
    if then <= 0:
        return ""
    seconds = max(now - then, 0.0)
    if seconds < 45:
        return "just now"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{max(minutes, 1)} min ago"
    hours = round(seconds / 3600)
    if hours < 24:
        return f"{hours} h ago"
    days = round(seconds / 86400)
    return "1 day ago" if days == 1 else f"{days} days ago"


def finding_message(
    *,
    name: str,
    severity: str,
    lines: str,
    branch: str,
    when: str,
    symbols: tuple[str, ...] = (),
    approximate: bool = False,
) -> str:
    """One diagnostic's message, e.g. ``Alice Moreau is also changing lines 40-52 on feat/login (2 min ago)``.

    ``lines`` are the teammate's lines in their working copy (``40-52``, ``7``, ``before 12``; empty: the whole
    file).
    """
    where = f"line {lines}" if lines.isdigit() else f"lines {lines}"
    if lines.startswith("before"):
        where = f"the lines {lines}"
    elif not lines:
        where = "the whole file"
    on = f" on {branch}" if branch else ""
    suffix = f" ({when})" if when else ""
    if severity == "conflict":
        text = f"{name} is also changing {where}{on}{suffix}: merging would conflict"
    elif severity == "overlap":
        inside = f" in {symbols[-1]}" if symbols else ""
        text = f"{name} is also changing code{inside} ({where}){on}{suffix}"
    else:
        text = f"{name} is changing this file nearby ({where}){on}{suffix}"
    if approximate:
        text += "; approximate: your base commits differ"
    return text


def _plural(count: int, word: str) -> str:
    if word == "nearby" or count == 1:
        return f"{count} {word}"
    return f"{count} {word}s"


def summary(connection: LspConnection, online: int, findings: LspFindingCounts) -> str:
    """The status line without its ``Tandem:`` prefix, e.g. ``3 online · 1 conflict · 2 overlaps``."""
    parts = [f"{online} online" if connection == "online" else _CONNECTION_WORDS.get(connection, connection)]
    for word in ("conflict", "overlap", "nearby"):
        count = getattr(findings, word)
        if count:
            parts.append(_plural(count, word))
    return SEPARATOR.join(parts)
