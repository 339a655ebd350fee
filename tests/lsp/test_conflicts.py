"""Two people editing the same lines see each other in their editors, through real agents and a real backend."""

from __future__ import annotations

import ast
from typing import Any

from lsprotocol import types

from tests.agent_daemon.conftest import MAIN_PY, Team
from tests.lsp.conftest import Person

MAIN = "app/main.py"
F1_BODY = MAIN_PY.splitlines().index("    y = x * 1")  # 0-based lines of function bodies
F3_BODY = MAIN_PY.splitlines().index("    y = x * 3")
F10_BODY = MAIN_PY.splitlines().index("    y = x * 10")


def command_of(action: types.Command | types.CodeAction) -> str:
    """lsprotocol's client-side converter reads any object with a ``command`` key as a ``Command``, so a code
    action arrives here as a Command whose ``command`` is the text of the real command object."""
    if isinstance(action, types.CodeAction):
        assert action.command is not None
        return action.command.command
    assert action.title.startswith("Tandem: ")
    parsed = ast.literal_eval(action.command)
    assert isinstance(parsed, dict)
    return str(parsed["command"])


def data(diagnostic: types.Diagnostic) -> dict[str, Any]:
    assert isinstance(diagnostic.data, dict)
    return diagnostic.data


def tandem(found: object) -> list[types.Diagnostic]:
    return [d for d in found if d.source == "tandem"]  # type: ignore[attr-defined]


async def test_ranges_follow_typing_and_the_finding_can_be_acted_on(
    pair: tuple[Team, Person, Person],
) -> None:
    team, alice, bob = pair
    a_uri = alice.editor.open(alice.path(MAIN))
    b_uri = bob.editor.open(bob.path(MAIN))
    alice.editor.replace_line(a_uri, F3_BODY, "    y = x * 333")
    bob.editor.replace_line(b_uri, F3_BODY, "    y = x * 3000")
    (diag,) = await bob.editor.diagnostics(
        b_uri, lambda found: any(d.message.startswith("Alice Moreau is also changing") for d in tandem(found))
    )
    assert diag.severity == types.DiagnosticSeverity.Warning
    assert diag.code == "conflict"
    assert (diag.range.start.line, diag.range.end.line) == (F3_BODY, F3_BODY)
    assert "on feature" in diag.message

    # Typing above the flagged lines moves the warning at once, and the agent's fresh range agrees.
    version = bob.editor.edit(b_uri, (0, 0), (0, 0), "# one\n# two\n")
    (moved,) = tandem(await bob.editor.next_diagnostics(b_uri))
    assert moved.range.start.line == F3_BODY + 2
    (fresh,) = await bob.editor.diagnostics(b_uri, lambda found: [data(d)["version"] for d in found] == [version])
    assert (fresh.range.start.line, fresh.range.end.line) == (F3_BODY + 2, F3_BODY + 2)

    # Hover: who, where, which branch.
    position = types.Position(line=F3_BODY + 2, character=4)
    hover = await bob.editor.client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=b_uri), position=position)
    )
    assert hover is not None
    assert isinstance(hover.contents, types.MarkupContent)
    assert "**Alice Moreau**" in hover.contents.value
    assert "on feature" in hover.contents.value
    away = types.Position(line=0, character=0)
    assert (
        await bob.editor.client.text_document_hover_async(
            types.HoverParams(text_document=types.TextDocumentIdentifier(uri=b_uri), position=away)
        )
        is None
    )

    # Code actions on the range: dismiss, snooze, message, dashboard.
    actions = await bob.editor.client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=b_uri),
            range=fresh.range,
            context=types.CodeActionContext(diagnostics=[fresh]),
        )
    )
    assert actions is not None
    commands = [command_of(a) for a in actions]
    assert commands == ["tandem.dismiss", "tandem.snooze", "tandem.message", "tandem.openDashboard"]
    finding_id = data(fresh)["finding_id"]

    # Message the teammate: Alice's editor shows it.
    assert await bob.editor.command("tandem.message", finding_id, alice.agent.user_id) == {"ok": True}
    shown = await alice.editor.message_until(lambda text: text.startswith("Tandem — Bob Tanaka: Hi!"))
    assert MAIN in shown

    # The dashboard link, opened outside the editor.
    opened = await bob.editor.command("tandem.openDashboard", finding_id)
    assert opened["url"] == f"{team.server}/dashboard/projects/{team.project_id}/conflicts#{finding_id}"
    assert bob.editor.client.shown_documents[-1].uri == opened["url"]
    assert bob.editor.client.shown_documents[-1].external is True

    # Presence and status.
    presence = await bob.editor.presence_until(
        lambda p: p["findings"]["conflict"] == 1 and any(t["name"] == "Alice Moreau" for t in p["teammates"])
    )
    assert presence["connection"] == "online"
    assert presence["project"] == {"id": team.project_id, "name": "Widgets"}
    assert presence["open"] == 1
    assert presence["summary"] == "1 online · 1 conflict"
    status = await bob.editor.status()
    assert status["agent"]["socket"] == str(bob.agent.socket)
    assert [w["root"] for w in status["workcopies"]] == [str(bob.box.root)]

    # Alice undoes her edit: the finding resolves and the warning goes.
    alice.editor.replace_line(a_uri, F3_BODY, "    y = x * 3")
    await bob.editor.diagnostics(b_uri, lambda found: not tandem(found))

    # She edits again; Bob dismisses it.
    alice.editor.replace_line(a_uri, F3_BODY, "    y = x * 4")
    await bob.editor.diagnostics(b_uri, lambda found: len(tandem(found)) == 1)
    (again,) = tandem(bob.editor.client.diagnostics[b_uri])
    assert await bob.editor.command("tandem.dismiss", data(again)["finding_id"]) == {"ok": True}
    await bob.editor.diagnostics(b_uri, lambda found: not tandem(found))


async def test_nearby_changes_show_only_once_turned_on(pair: tuple[Team, Person, Person]) -> None:
    _team, alice, bob = pair
    a_uri = alice.editor.open(alice.path(MAIN))
    b_uri = bob.editor.open(bob.path(MAIN))
    alice.editor.replace_line(a_uri, F1_BODY, "    y = x * 111")
    bob.editor.replace_line(b_uri, F10_BODY, "    y = x * 1000")

    # Off by default: counted in the presence, not shown as a diagnostic.
    presence = await bob.editor.presence_until(lambda p: p["findings"]["nearby"] == 1)
    assert presence["summary"] == "1 online"
    assert not tandem(bob.editor.client.diagnostics.get(b_uri, []))

    bob.editor.configure({"severity": {"nearby": "hint"}})
    (hint,) = await bob.editor.diagnostics(b_uri, lambda found: len(tandem(found)) == 1)
    assert hint.severity == types.DiagnosticSeverity.Hint
    assert hint.code == "nearby"
    assert hint.range.start.line == F10_BODY
    assert hint.message.startswith("Alice Moreau is changing this file nearby")
    await bob.editor.presence_until(lambda p: p["summary"] == "1 online · 1 nearby")
