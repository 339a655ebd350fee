"""Two people editing the same lines see each other in their editors, through real agents and a real backend."""

from __future__ import annotations

from lsprotocol import types

from tests.agent_daemon.conftest import MAIN_PY, Team
from tests.lsp.conftest import Person
from tests.lsp.editor import uri_of

MAIN = "app/main.py"
F3_BODY = MAIN_PY.splitlines().index("    y = x * 3")  # 0-based line of f3's body


def tandem(found: object) -> list[types.Diagnostic]:
    return [d for d in found if d.source == "tandem"]  # type: ignore[attr-defined]


async def test_a_teammates_edit_of_the_same_lines_shows_as_a_warning(pair: tuple[Team, Person, Person]) -> None:
    team, alice, bob = pair
    a_uri = alice.editor.open(alice.path(MAIN))
    b_uri = bob.editor.open(bob.path(MAIN))
    alice.editor.replace_line(a_uri, F3_BODY, "    y = x * 333")
    bob.editor.replace_line(b_uri, F3_BODY, "    y = x * 3000")

    def named_conflict(found: object) -> bool:
        return any(d.message.startswith("Alice Moreau is also changing") for d in tandem(found))

    (diag,) = await bob.editor.diagnostics(b_uri, named_conflict)
    assert diag.severity == types.DiagnosticSeverity.Warning
    assert diag.code == "conflict"
    assert (diag.range.start.line, diag.range.end.line) == (F3_BODY, F3_BODY)
    assert "on feature" in diag.message
    assert diag.data["finding_id"]
