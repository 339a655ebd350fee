"""Code actions on a flagged range: dismiss, snooze for an hour, message the teammate, open the dashboard. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from lsprotocol import types

from lsp.diagnostics import SOURCE, Flag
from lsp.text import display_name
from tandem.protocol import MemberInfo

DISMISS = "tandem.dismiss"
SNOOZE = "tandem.snooze"
MESSAGE = "tandem.message"
OPEN_DASHBOARD = "tandem.openDashboard"
RESTART_AGENT = "tandem.restartAgent"
COMMANDS = (DISMISS, SNOOZE, MESSAGE, OPEN_DASHBOARD, RESTART_AGENT)
SNOOZE_MINUTES = 60


def _matching(diagnostics: Sequence[types.Diagnostic], finding_id: str) -> list[types.Diagnostic]:
    return [
        d
        for d in diagnostics
        if d.source == SOURCE and isinstance(d.data, Mapping) and d.data.get("finding_id") == finding_id
    ]


def code_actions(
    found: Sequence[Flag], names: Mapping[str, MemberInfo], context: Sequence[types.Diagnostic]
) -> list[types.CodeAction]:
    """Four actions per finding met by the range (a finding with several regions is offered once)."""
    actions: list[types.CodeAction] = []
    seen: set[str] = set()
    for flag in found:
        finding = flag.finding
        if finding.id in seen:
            continue
        seen.add(finding.id)
        name = display_name(finding.other.user_id, names)
        related = _matching(context, finding.id) or None
        offers: list[tuple[str, str, list[object]]] = [
            (f"Tandem: dismiss the {flag.severity} with {name}", DISMISS, [finding.id]),
            (f"Tandem: snooze the {flag.severity} with {name} for an hour", SNOOZE, [finding.id, SNOOZE_MINUTES]),
            (f"Tandem: message {name}", MESSAGE, [finding.id, finding.other.user_id]),
            ("Tandem: open in the dashboard", OPEN_DASHBOARD, [finding.id]),
        ]
        for title, command, arguments in offers:
            actions.append(
                types.CodeAction(
                    title=title,
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=related,
                    command=types.Command(title=title, command=command, arguments=arguments),
                )
            )
    return actions
