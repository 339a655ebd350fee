"""The ``tandem/presence`` notification and the ``tandem/status`` result, built from the agent's state. Pure."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from lsp.diagnostics import level
from lsp.state import AgentState
from lsp.text import display_name, summary
from tandem.protocol import (
    LspAgent,
    LspFindingCounts,
    LspProject,
    LspSeverities,
    LspTeammate,
    MemberInfo,
    PresenceParams,
    StatusResponse,
)

NO_AGENT = "the Tandem agent is not running: start it with `tandem agent` (or allow agentAutoStart)"


def presence_params(
    state: AgentState,
    *,
    focus_file: str | None,
    open_files: Collection[str],
    names: Mapping[str, MemberInfo],
    severities: LspSeverities,
) -> PresenceParams:
    """Who is around in the project of the file edited last, and how many findings concern it."""
    workcopy = state.workcopy_for(focus_file)
    project = None
    if workcopy is not None and workcopy.project_id:
        project = LspProject(id=workcopy.project_id, name=workcopy.project_name)
    entries = state.presence.get(project.id, ()) if project else ()
    teammates = sorted(
        (
            LspTeammate(
                user_id=p.user_id,
                name=display_name(p.user_id, names),
                state=p.state,
                branch=p.branch,
                file=p.file,
            )
            for p in entries
        ),
        key=lambda t: (t.state == "offline", t.name.lower()),
    )
    if project is not None:
        findings = list(state.project_findings(project.id))
    else:
        findings = [f for found in state.findings.values() for f in found]
    counts = LspFindingCounts(
        conflict=sum(f.severity == "conflict" for f in findings),
        overlap=sum(f.severity == "overlap" for f in findings),
        nearby=sum(f.severity == "nearby" for f in findings),
    )
    shown = LspFindingCounts(
        **{word: getattr(counts, word) * (level(word, severities) != "off") for word in LspFindingCounts.model_fields}
    )
    connection = state.connection_state
    online = sum(t.state != "offline" for t in teammates)
    message = ""
    if connection == "no_agent":
        message = NO_AGENT
    elif connection != "online" and state.connection is not None:
        message = state.connection.message
    return PresenceParams(
        connection=connection,
        project=project,
        teammates=tuple(teammates),
        online=online,
        findings=counts,
        open=sum(f.file in open_files for f in findings),
        summary=summary(connection, online, shown),
        message=message,
    )


def status_response(state: AgentState, presence: PresenceParams, socket: str) -> StatusResponse:
    return StatusResponse(
        **presence.model_dump(),
        workcopies=tuple(state.workcopies.values()),
        agent=LspAgent(socket=socket, pid=state.agent.pid if state.agent else None),
    )
