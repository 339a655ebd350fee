"""Persists activity history and finding changes in batches, off the hot path of the hub."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import Table, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col

from backend.conflicts.findings import ChangeKind, Finding, FindingChange, Severity
from backend.ports import Store
from backend.store.models import ActivityRecord, FindingEvent, FindingRecord, Project

_LOG = logging.getLogger(__name__)
T = TypeVar("T")


def _table(model: type[SQLModel]) -> Table:
    return SQLModel.metadata.tables[str(model.__tablename__)]


CHUNK = 50
"""Rows per statement. The rows are prepared for the driver on the event loop's thread (about 5 µs each
on SQLite: dates, JSON, SQLAlchemy's parameters); a batch of 200 written as one statement held the loop
for a millisecond, and every frame that arrived meanwhile waited (docs/benchmarks.md)."""

ActivityKey = tuple[str, str, str, str, str]
"""(project_id, repository_id, user_id, branch, path)."""


@dataclass(slots=True)
class _Seen:
    first: float
    last: float
    count: int


def _ts(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def finding_detail(
    finding: Finding, branches: dict[Any, str], diffs: dict[Any, list[dict[str, Any]]] | None = None
) -> dict[str, Any]:
    """How a finding is shown: both sides' regions (1-based first line and line count), branches, symbols,
    and the shared diff text of a side whose member opted in (``diff``, absent otherwise)."""

    def span(s: Any) -> list[int]:
        return [s.start + 1, s.end - s.start]

    def side(p: Any) -> dict[str, Any]:
        out: dict[str, Any] = {"user_id": p.user_id, "workcopy": p.copy_id, "branch": branches.get(p, "")}
        if diffs and diffs.get(p):
            out["diff"] = diffs[p]
        return out

    return {
        "a": side(finding.a),
        "b": side(finding.b),
        "regions": [
            {
                "severity": r.severity.value,
                "a": {"base": span(r.a.base), "new": span(r.a.new)},
                "b": {"base": span(r.b.base), "new": span(r.b.new)},
                "symbols": list(r.symbols),
            }
            for r in finding.regions
        ],
        "symbols": list(finding.symbols),
    }


class Recorder:
    """Collects what the hub saw and writes it every ``interval`` seconds in one transaction.

    A finding's history keeps its transitions: opened, each change of severity, resolved. An update
    that only moves its regions (most of them: every keystroke in an overlap is one) rewrites the
    finding's row but adds no history row.
    """

    def __init__(self, store: Store, *, interval: float = 0.5, chunk: int = CHUNK) -> None:
        self.store = store
        self.interval = interval
        self.chunk = chunk
        self._activity: dict[ActivityKey, _Seen] = {}
        self._findings: dict[str, tuple[str, FindingChange, dict[str, Any]]] = {}
        self._events: list[tuple[str, FindingChange]] = []
        self._severity: dict[str, Severity] = {}
        """The severity last put in each open finding's history by this process."""
        self.flushes = 0

    def saw(self, key: ActivityKey, now: float) -> None:
        seen = self._activity.get(key)
        if seen is None:
            self._activity[key] = _Seen(now, now, 1)
        else:
            seen.last = now
            seen.count += 1

    def finding(self, project_id: str, change: FindingChange, detail: dict[str, Any]) -> None:
        finding = change.finding
        self._findings[finding.id] = (project_id, change, detail)
        if change.kind is ChangeKind.RESOLVED:
            self._severity.pop(finding.id, None)
        elif self._severity.get(finding.id) is finding.severity and change.kind is ChangeKind.UPDATED:
            return  # the same severity: only the regions moved, which the finding's row holds
        else:
            self._severity[finding.id] = finding.severity
        self._events.append((project_id, change))

    def forget(self, finding_id: str) -> None:
        """A finding resolved through another process (which records that): nothing to remember of it here."""
        self._severity.pop(finding_id, None)

    @property
    def tracked(self) -> int:
        """Open findings whose last recorded severity this process remembers."""
        return len(self._severity)

    @property
    def pending(self) -> bool:
        return bool(self._activity or self._findings or self._events)

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            await self.flush()

    async def flush(self) -> None:
        """Write what was collected; on a database error the batch is kept and retried next time."""
        if not self.pending:
            return
        activity, findings, events = self._activity, self._findings, self._events
        self._activity, self._findings, self._events = {}, {}, []
        try:
            async with self.store.session() as s:
                await self._write_activity(s, activity)
                await self._write_findings(s, findings, events)
        except Exception:  # noqa: BLE001 - the batch must survive a database hiccup; it is merged back
            _LOG.warning("could not persist activity; will retry", exc_info=True)
            for key, seen in activity.items():
                mine = self._activity.setdefault(key, seen)
                if mine is not seen:
                    mine.first, mine.count = min(mine.first, seen.first), mine.count + seen.count
            for fid, item in findings.items():
                self._findings.setdefault(fid, item)
            self._events[:0] = events
            return
        self.flushes += 1

    async def _write_activity(self, s: AsyncSession, activity: dict[ActivityKey, _Seen]) -> None:
        if activity:
            stmt = _statements(s.get_bind().dialect.name).activity
            await self._execute_chunked(s, stmt, list(activity.items()), _activity_row)

    async def _execute_chunked(
        self, s: AsyncSession, stmt: Any, items: list[T], row: Callable[[T], dict[str, Any]]
    ) -> None:
        """One statement per ``chunk`` items, each item made a row just before its chunk is sent: between
        two chunks the event loop serves the hub while the database works."""
        for start in range(0, len(items), self.chunk):
            await s.execute(stmt, [row(item) for item in items[start : start + self.chunk]])

    async def _write_findings(
        self,
        s: AsyncSession,
        findings: dict[str, tuple[str, FindingChange, dict[str, Any]]],
        events: list[tuple[str, FindingChange]],
    ) -> None:
        statements = _statements(s.get_bind().dialect.name)
        if findings:
            await self._execute_chunked(s, statements.findings, list(findings.values()), _finding_row)
        if events:
            await self._execute_chunked(s, statements.events, events, _event_row)


class _Statements(NamedTuple):
    activity: Any
    findings: Any
    events: Any


@functools.cache
def _statements(dialect: str) -> _Statements:
    """The recorder's three statements, built once per dialect: building an upsert and deriving its cache
    key cost SQLAlchemy about a millisecond of the event loop at every flush."""
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    activity = insert(_table(ActivityRecord))
    activity = activity.on_conflict_do_update(
        index_elements=["repository_id", "user_id", "branch", "path", "day"],
        set_={
            "last_seen": activity.excluded.last_seen,
            "updates": _table(ActivityRecord).c.updates + activity.excluded.updates,
        },
    )
    findings = insert(_table(FindingRecord))
    columns = ("severity", "state", "approximate", "detail", "updated_at", "resolved_at", "opened_at")
    findings = findings.on_conflict_do_update(
        index_elements=["id"], set_={c: getattr(findings.excluded, c) for c in columns}
    )
    return _Statements(activity, findings, _table(FindingEvent).insert())


def _activity_row(item: tuple[ActivityKey, _Seen]) -> dict[str, Any]:
    key, seen = item
    return {
        "project_id": key[0],
        "repository_id": key[1],
        "user_id": key[2],
        "branch": key[3],
        "path": key[4],
        "day": _ts(seen.first).date(),
        "first_seen": _ts(seen.first),
        "last_seen": _ts(seen.last),
        "updates": seen.count,
    }


def _finding_row(item: tuple[str, FindingChange, dict[str, Any]]) -> dict[str, Any]:
    project_id, change, detail = item
    f = change.finding
    resolved = change.kind is ChangeKind.RESOLVED
    return {
        "id": f.id,
        "project_id": project_id,
        "repository_id": f.repo,
        "path": f.path,
        "severity": f.severity.value,
        "state": "resolved" if resolved else "open",
        "user_a": f.a.user_id,
        "user_b": f.b.user_id,
        "approximate": f.approximate,
        "detail": detail,
        "opened_at": _ts(f.opened_at),
        "updated_at": _ts(f.updated_at),
        "resolved_at": _ts(f.updated_at) if resolved else None,
    }


def _event_row(item: tuple[str, FindingChange]) -> dict[str, Any]:
    project_id, change = item
    return {
        "finding_id": change.finding.id,
        "project_id": project_id,
        "kind": change.kind.value,
        "severity": change.finding.severity.value,
        "at": _ts(change.finding.updated_at),
    }


async def prune_activity(store: Store, now: datetime | None = None) -> int:
    """Delete activity older than each project's ``activity_retention_days``; returns rows removed."""
    now = now or datetime.now(UTC)
    removed = 0
    async with store.session() as s:
        projects = (await s.execute(select(col(Project.id), col(Project.settings)))).all()
        for project_id, settings in projects:
            days = int((settings or {}).get("activity_retention_days", 90))
            cutoff = (now - timedelta(days=days)).date()
            result = await s.execute(
                delete(ActivityRecord).where(
                    col(ActivityRecord.project_id) == project_id, col(ActivityRecord.day) < cutoff
                )
            )
            removed += int(getattr(result, "rowcount", 0) or 0)
    return removed
