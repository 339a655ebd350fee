"""Findings become diagnostics, hovers and code actions: ranges, severities, messages, links, data."""

from __future__ import annotations

from lsprotocol import types

from lsp.actions import code_actions
from lsp.diagnostics import View, at_line, dashboard_url, diagnostics, flags, in_range
from lsp.hover import hover_markdown
from lsp.spans import Span
from tandem.protocol import (
    LineSpan,
    LocalFinding,
    LocalRegion,
    LspSeverities,
    MemberInfo,
    SharedHunk,
    SideSpans,
    Teammate,
)

NOW = 1_800_000_000.0
NAMES = {"alice": MemberInfo(user_id="alice", name="Alice Moreau", email="alice@example.com")}
DEFAULTS = LspSeverities()


def sides(base: tuple[int, int], new: tuple[int, int]) -> SideSpans:
    return SideSpans(base=LineSpan(start=base[0], lines=base[1]), new=LineSpan(start=new[0], lines=new[1]))


def finding(
    severity: str = "conflict", *, regions: tuple[LocalRegion, ...] | None = None, version: int | None = 3, **kw: object
) -> LocalFinding:
    default = (LocalRegion(severity=severity, mine=sides((41, 12), (41, 12)), theirs=sides((44, 3), (44, 5))),)
    other = kw.pop("other", Teammate(user_id="alice", workcopy="wc", branch="feat/login"))
    return LocalFinding(
        id="f1",
        project_id="p1",
        repository_id="r1",
        severity=severity,
        file="/src/app.py",
        path="app.py",
        base_path="app.py",
        other=other,
        regions=default if regions is None else regions,
        version=version,
        updated_at=NOW - 120,
        **kw,
    )


def view(server: str = "https://tandem.example") -> View:
    return View("file:///src/app.py", 100, lambda line: 10 + line, NAMES, server, NOW)


def no_changes(_version: int | None) -> list[types.TextDocumentContentChangeEvent]:
    return []


def test_a_conflict_region_becomes_a_warning() -> None:
    (diag,) = diagnostics(flags([finding()], DEFAULTS, no_changes), view(), DEFAULTS)
    assert diag.range == types.Range(
        start=types.Position(line=40, character=0), end=types.Position(line=51, character=61)
    )
    assert diag.severity == types.DiagnosticSeverity.Warning
    assert diag.source == "tandem"
    assert diag.code == "conflict"
    assert diag.message == "Alice Moreau is also changing lines 44-48 on feat/login (2 min ago): merging would conflict"
    assert diag.code_description is not None
    assert diag.code_description.href == "https://tandem.example/dashboard/projects/p1/conflicts#f1"
    assert diag.data == {"finding_id": "f1", "project_id": "p1", "user_id": "alice", "version": 3}
    (related,) = diag.related_information or []
    assert related.location.range.start.line == 43
    assert related.message == "Alice Moreau's change, in the base commit: lines 44-46"


def test_severities_follow_the_settings() -> None:
    found = [finding("overlap"), finding("nearby")]
    shown = diagnostics(flags(found, DEFAULTS, no_changes), view(), DEFAULTS)
    assert [d.severity for d in shown] == [types.DiagnosticSeverity.Information]  # nearby is off by default
    custom = LspSeverities(conflict="error", overlap="off", nearby="hint")
    shown = diagnostics(flags([finding(), *found], custom, no_changes), view(), custom)
    assert [d.severity for d in shown] == [types.DiagnosticSeverity.Error, types.DiagnosticSeverity.Hint]


def test_ranges_move_by_the_edits_after_the_agents_version() -> None:
    asked: list[int | None] = []

    def since(version: int | None) -> list[types.TextDocumentContentChangeEvent]:
        asked.append(version)
        insert = types.TextDocumentContentChangePartial(
            range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)),
            text="one\ntwo\n",
        )
        return [insert]

    (flag,) = flags([finding(version=7)], DEFAULTS, since)
    assert asked == [7]
    assert flag.span == Span(42, 54)


def test_points_whole_files_and_no_server() -> None:
    point = LocalRegion(severity="conflict", mine=sides((10, 0), (10, 0)), theirs=sides((10, 2), (10, 2)))
    (diag,) = diagnostics(flags([finding(regions=(point,))], DEFAULTS, no_changes), view(server=""), DEFAULTS)
    assert (diag.range.start.line, diag.range.end.line) == (9, 9)
    assert diag.code_description is None
    (whole,) = diagnostics(flags([finding(regions=())], DEFAULTS, no_changes), view(), DEFAULTS)
    assert (whole.range.start.line, whole.range.end.line) == (0, 0)
    assert "the whole file" in whole.message
    assert whole.related_information is None


def test_ranges_stay_inside_short_documents() -> None:
    short = View("file:///src/app.py", 20, lambda _line: 4, NAMES, "", NOW)
    (diag,) = diagnostics(flags([finding()], DEFAULTS, no_changes), short, DEFAULTS)
    assert (diag.range.start.line, diag.range.end.line, diag.range.end.character) == (19, 19, 4)


def test_lookup_by_line_and_range() -> None:
    found = flags([finding()], DEFAULTS, no_changes)
    assert at_line(found, 40) == found
    assert at_line(found, 52) == []
    assert in_range(found, 30, 40) == found
    assert in_range(found, 52, 60) == []


def test_hover_says_who_where_and_their_change() -> None:
    diff = (SharedHunk(base=LineSpan(start=44, lines=3), new=LineSpan(start=44, lines=5), text="a = 1\nb = 2\n"),)
    other = Teammate(user_id="alice", workcopy="wc", branch="feat/login", diff=diff)
    found = flags([finding(other=other, symbols=("Server.handle",))], DEFAULTS, no_changes)
    text = hover_markdown(found, NAMES, NOW, "https://tandem.example")
    assert text is not None
    assert text.startswith("**Alice Moreau** (alice@example.com) · Tandem conflict")
    assert "lines 44-48 on feat/login (2 min ago)" in text
    assert "```\na = 1\nb = 2\n```" in text
    assert "[Open in the Tandem dashboard](https://tandem.example/dashboard/projects/p1/conflicts#f1)" in text
    private = hover_markdown(flags([finding()], DEFAULTS, no_changes), {}, NOW, "")
    assert private is not None
    assert "_alice does not share diffs._" in private
    assert "dashboard" not in private
    assert hover_markdown([], NAMES, NOW, "") is None


def test_code_actions_per_finding() -> None:
    two_regions = (
        LocalRegion(severity="conflict", mine=sides((1, 2), (1, 2)), theirs=sides((1, 2), (1, 2))),
        LocalRegion(severity="overlap", mine=sides((9, 2), (9, 2)), theirs=sides((9, 2), (9, 2))),
    )
    found = flags([finding(regions=two_regions)], DEFAULTS, no_changes)
    context = diagnostics(found, view(), DEFAULTS)
    actions = code_actions(found, NAMES, context)
    assert [
        (a.title, a.command.command if a.command else None, a.command.arguments if a.command else None) for a in actions
    ] == [
        ("Tandem: dismiss the conflict with Alice Moreau", "tandem.dismiss", ["f1"]),
        ("Tandem: snooze the conflict with Alice Moreau for an hour", "tandem.snooze", ["f1", 60]),
        ("Tandem: message Alice Moreau", "tandem.message", ["f1", "alice"]),
        ("Tandem: open in the dashboard", "tandem.openDashboard", ["f1"]),
    ]
    assert all(a.kind == types.CodeActionKind.QuickFix and a.diagnostics == context for a in actions)


def test_dashboard_url() -> None:
    assert dashboard_url("https://t.example/", "p", "f") == "https://t.example/dashboard/projects/p/conflicts#f"
    assert dashboard_url("https://t.example", "p") == "https://t.example/dashboard/projects/p"
