"""The agent's state as the server mirrors it, the presence built from it, settings, names and documents."""

from __future__ import annotations

from lsprotocol import types

from lsp.documents import Document, file_of
from lsp.names import RETRY_AFTER, Names
from lsp.presence import presence_params, status_response
from lsp.settings import parse
from lsp.state import AgentState
from tandem.protocol import (
    AgentInfo,
    ConnectionInfo,
    LocalFinding,
    LspSettings,
    LspSeverities,
    MemberInfo,
    MembersResult,
    PresenceInfo,
    StatusResult,
    Teammate,
    WorkcopyInfo,
)


def finding(fid: str, file: str, severity: str = "conflict", project: str = "p1") -> LocalFinding:
    return LocalFinding(
        id=fid,
        project_id=project,
        repository_id="r",
        severity=severity,
        file=file,
        path=file.rsplit("/", 1)[-1],
        base_path="x",
        other=Teammate(user_id="alice", workcopy="w"),
    )


def status() -> StatusResult:
    return StatusResult(
        agent=AgentInfo(pid=42),
        connection=ConnectionInfo(state="online", server="https://t.example", user_id="bob"),
        workcopies=(
            WorkcopyInfo(root="/work/a", workcopy="wa", status="ready", project_id="p1", project_name="Widgets"),
        ),
        presence=(
            PresenceInfo(project_id="p1", user_id="alice", state="online", branch="feat"),
            PresenceInfo(project_id="p1", user_id="carol", state="offline"),
        ),
        findings=(finding("f1", "/work/a/x.py"), finding("f2", "/work/a/y.py", "nearby")),
    )


def connection(state: AgentState) -> str:
    return state.connection_state


def test_load_apply_and_lose() -> None:
    state = AgentState()
    changed = state.load(status())
    assert changed.files == {"/work/a/x.py", "/work/a/y.py"}
    assert state.connection_state == "online"
    assert [f.id for f in state.findings_for("/work/a/x.py")] == ["f1"]

    changed = state.apply({"type": "findings", "file": "/work/a/x.py", "findings": []})
    assert changed.files == {"/work/a/x.py"}
    assert state.findings_for("/work/a/x.py") == ()
    state.apply({"type": "connection", "connection": {"state": "offline", "message": "down", "paused": True}})
    assert connection(state) == "paused"
    presence = {"project_id": "p1", "user_id": "dan", "state": "idle"}
    assert state.apply({"type": "presence", "project_id": "p1", "presence": [presence]}).presence
    assert [p.user_id for p in state.presence["p1"]] == ["dan"]
    note = state.apply({"type": "mention", "from_user_id": "alice", "from_name": "Alice", "text": "hi"}).mention
    assert note is not None
    assert note.text == "hi"
    assert state.apply({"type": "findings", "file": 3}).files == frozenset()  # unreadable: ignored
    assert state.apply({"type": "something.new"}).files == frozenset()

    lost = state.lost()
    assert lost.files == {"/work/a/y.py"}
    assert connection(state) == "no_agent"


def test_presence_params_describe_the_edited_project() -> None:
    state = AgentState()
    state.load(status())
    names = {"alice": MemberInfo(user_id="alice", name="Alice Moreau")}
    params = presence_params(
        state, focus_file="/work/a/x.py", open_files={"/work/a/x.py"}, names=names, severities=LspSeverities()
    )
    assert params.connection == "online"
    assert params.project is not None
    assert (params.project.id, params.project.name) == ("p1", "Widgets")
    assert [(t.name, t.state) for t in params.teammates] == [("Alice Moreau", "online"), ("carol", "offline")]
    assert params.online == 1
    assert (params.findings.conflict, params.findings.nearby) == (1, 1)
    assert params.open == 1
    assert params.summary == "1 online · 1 conflict"  # nearby is off: not in the summary
    result = status_response(state, params, "/run/agent.sock")
    assert result.agent.pid == 42
    assert [w.root for w in result.workcopies] == ["/work/a"]

    empty = presence_params(AgentState(), focus_file=None, open_files=(), names={}, severities=LspSeverities())
    assert (empty.connection, empty.project, empty.summary) == ("no_agent", None, "agent not running")
    assert "tandem agent" in empty.message


def test_settings_merge_and_survive_bad_values() -> None:
    assert parse(None) == LspSettings()
    settings = parse({"severity": {"nearby": "hint"}, "debounceMs": 20, "unknown": 1})
    assert (settings.severity.conflict, settings.severity.nearby, settings.debounce_ms) == ("warning", "hint", 20)
    again = parse({"tandem": {"agentAutoStart": False}}, settings)
    assert (again.agent_auto_start, again.severity.nearby, again.debounce_ms) == (False, "hint", 20)
    bad = parse({"debounceMs": "soon", "severity": {"overlap": "loud"}, "statusProgress": False})
    assert (bad.debounce_ms, bad.severity.overlap, bad.status_progress) == (50, "information", False)


def test_names_are_asked_once_in_a_while_for_unknown_people() -> None:
    names = Names()
    assert names.wanted("p1", ["alice"], now=100.0)
    assert not names.wanted("p1", ["alice"], now=101.0)
    assert names.learn(MembersResult(project_id="p1", items=(MemberInfo(user_id="alice", name="Alice"),)))
    assert not names.learn(MembersResult(project_id="p1", items=(MemberInfo(user_id="alice", name="Alice"),)))
    assert not names.wanted("p1", ["alice"], now=100.0 + RETRY_AFTER + 1)
    assert names.wanted("p1", ["alice", "zoe"], now=100.0 + RETRY_AFTER + 1)
    assert not names.wanted("", ["zoe"], now=1000.0)


def partial(line: int, text: str) -> types.TextDocumentContentChangePartial:
    position = types.Position(line=line, character=0)
    return types.TextDocumentContentChangePartial(range=types.Range(start=position, end=position), text=text)


def test_documents_keep_the_edits_the_agent_has_not_seen() -> None:
    doc = Document(uri="file:///a.py", file="/a.py", version=1, opened_at=1)
    doc.record(2, [partial(0, "a\n")])
    doc.record(3, [partial(5, "b\nc")])
    assert doc.focus_line == 6
    assert len(doc.changes_since(None)) == 2
    assert len(doc.changes_since(2)) == 1
    assert doc.changes_since(3) == []
    doc.forget_until(2)
    assert [v for v, _c in doc.log] == [3]
    assert file_of("untitled:Untitled-1") is None
    assert file_of("file:///tmp/../tmp/x.py") == "/tmp/x.py"
