"""Findings as LSP diagnostics: which regions show, where they are now, and what they say. Pure."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from lsprotocol import types

from lsp.spans import Span, clamp, shift_all
from lsp.text import ago, display_name, finding_message
from tandem.protocol import LocalFinding, LspSeverities, LspSeverity, MemberInfo

SOURCE = "tandem"
SEVERITIES: dict[LspSeverity, types.DiagnosticSeverity] = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "information": types.DiagnosticSeverity.Information,
    "hint": types.DiagnosticSeverity.Hint,
}

ChangesSince = Callable[[int | None], Sequence[types.TextDocumentContentChangeEvent]]
"""The content changes made to a document after a given version (None: since it was opened)."""


@dataclass(frozen=True, slots=True)
class Flag:
    """One region of a finding, highlighted in this editor, in the document's current coordinates."""

    finding: LocalFinding
    severity: str
    span: Span
    theirs: Span | None
    """The teammate's lines in their working copy (None: a whole-file finding)."""
    their_base: Span | None
    symbols: tuple[str, ...]


def level(severity: str, severities: LspSeverities) -> LspSeverity:
    """How a finding severity shows, by the settings (unknown severities do not show)."""
    if severity not in ("conflict", "overlap", "nearby"):
        return "off"
    choice: LspSeverity = getattr(severities, severity)
    return choice


def flags(findings: Sequence[LocalFinding], severities: LspSeverities, changes_since: ChangesSince) -> list[Flag]:
    """The regions to show, moved by the edits made since the agent computed them (the finding's version)."""
    out: list[Flag] = []
    for finding in findings:
        changes = changes_since(finding.version)
        if not finding.regions:  # a whole-file finding (binary, too large): the first line carries it
            if level(finding.severity, severities) != "off":
                (span,) = shift_all([Span(0, 1)], changes)
                out.append(Flag(finding, finding.severity, span, None, None, finding.symbols))
            continue
        shown = [r for r in finding.regions if level(r.severity or finding.severity, severities) != "off"]
        spans = shift_all([Span.from_wire(r.mine.new) for r in shown], changes)
        for region, span in zip(shown, spans, strict=True):
            theirs, base = Span.from_wire(region.theirs.new), Span.from_wire(region.theirs.base)
            out.append(Flag(finding, region.severity or finding.severity, span, theirs, base, region.symbols))
    return out


def dashboard_url(server: str, project_id: str, finding_id: str | None = None) -> str:
    """``<server>/dashboard/projects/<project>/conflicts#<finding>`` (the project's page without a finding)."""
    base = f"{server.rstrip('/')}/dashboard/projects/{project_id}"
    return f"{base}/conflicts#{finding_id}" if finding_id else base


def lsp_range(span: Span, line_count: int, line_length: Callable[[int], int]) -> types.Range:
    """Whole lines: from the first line's start to the last line's end (for a point: the line after it)."""
    span = clamp(span, line_count)
    last = span.start if span.empty else span.end - 1
    return types.Range(
        start=types.Position(line=span.start, character=0),
        end=types.Position(line=last, character=line_length(last)),
    )


@dataclass(frozen=True, slots=True)
class View:
    """What a diagnostic needs besides the flag: the document, names, the server's URL, the time."""

    uri: str
    line_count: int
    line_length: Callable[[int], int]
    names: Mapping[str, MemberInfo]
    server: str
    now: float


def message(flag: Flag, names: Mapping[str, MemberInfo], now: float) -> str:
    other = flag.finding.other
    return finding_message(
        name=display_name(other.user_id, names),
        severity=flag.severity,
        lines=flag.theirs.lines_text() if flag.theirs is not None else "",
        branch=other.branch,
        when=ago(flag.finding.updated_at, now),
        symbols=flag.symbols,
        approximate=flag.finding.approximate,
    )


def diagnostic(flag: Flag, view: View, severities: LspSeverities) -> types.Diagnostic:
    finding, other = flag.finding, flag.finding.other
    name = display_name(other.user_id, view.names)
    related = None
    if flag.their_base is not None and not finding.approximate:
        related = [
            types.DiagnosticRelatedInformation(
                location=types.Location(
                    uri=view.uri, range=lsp_range(flag.their_base, view.line_count, view.line_length)
                ),
                message=f"{name}'s change, in the base commit: lines {flag.their_base.lines_text()}",
            )
        ]
    severity = level(flag.severity, severities)
    return types.Diagnostic(
        range=lsp_range(flag.span, view.line_count, view.line_length),
        message=message(flag, view.names, view.now),
        severity=SEVERITIES.get(severity, types.DiagnosticSeverity.Information),
        code=flag.severity,
        code_description=(
            types.CodeDescription(href=dashboard_url(view.server, finding.project_id, finding.id))
            if view.server
            else None
        ),
        source=SOURCE,
        related_information=related,
        data={
            "finding_id": finding.id,
            "project_id": finding.project_id,
            "user_id": other.user_id,
            "version": finding.version,  # the buffer version the agent computed it on (None: the file on disk)
        },
    )


def diagnostics(found: Sequence[Flag], view: View, severities: LspSeverities) -> list[types.Diagnostic]:
    return [diagnostic(flag, view, severities) for flag in found]


def at_line(found: Sequence[Flag], line: int) -> list[Flag]:
    return [flag for flag in found if flag.span.contains(line)]


def in_range(found: Sequence[Flag], start_line: int, end_line: int) -> list[Flag]:
    """Flags meeting lines ``start_line`` .. ``end_line`` (inclusive)."""
    return [
        flag
        for flag in found
        if (flag.span.start <= end_line and (flag.span.start if flag.span.empty else flag.span.end - 1) >= start_line)
    ]
