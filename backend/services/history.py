"""Queries over what the hub recorded: the activity history and the findings of a project."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import col, or_, select

from backend.domain.cursors import decode_cursor, encode_cursor
from backend.domain.roles import Action
from backend.errors import Invalid, NotFound
from backend.ports import Store
from backend.services.projects import ProjectService
from backend.store.models import ActivityRecord, FindingEvent, FindingMute, FindingRecord


@dataclass(frozen=True, slots=True)
class ActivityFilter:
    user_id: str | None = None
    repository_id: str | None = None
    branch: str | None = None
    path: str | None = None
    """A file, or a folder when it ends with ``/``."""
    since: datetime | None = None
    until: datetime | None = None


class HistoryService:
    def __init__(self, *, store: Store, projects: ProjectService) -> None:
        self.store = store
        self.projects = projects

    async def activity(
        self, user_id: str, project_id: str, filters: ActivityFilter, *, cursor: str | None, limit: int
    ) -> tuple[list[ActivityRecord], str | None]:
        """Newest first; ``cursor`` continues after the last row of the previous page."""
        async with self.store.session() as s:
            await self.projects.authorize(s, project_id, user_id, Action.VIEW_PROJECT)
            query = select(ActivityRecord).where(col(ActivityRecord.project_id) == project_id)
            if filters.user_id:
                query = query.where(col(ActivityRecord.user_id) == filters.user_id)
            if filters.repository_id:
                query = query.where(col(ActivityRecord.repository_id) == filters.repository_id)
            if filters.branch:
                query = query.where(col(ActivityRecord.branch) == filters.branch)
            if filters.path:
                if filters.path.endswith("/"):
                    query = query.where(col(ActivityRecord.path).startswith(filters.path, autoescape=True))
                else:
                    query = query.where(col(ActivityRecord.path) == filters.path)
            if filters.since:
                query = query.where(col(ActivityRecord.last_seen) >= filters.since)
            if filters.until:
                query = query.where(col(ActivityRecord.last_seen) < filters.until)
            if cursor:
                last_seen_text, last_id_text = decode_cursor(cursor, size=2)
                try:
                    last_seen, last_id = datetime.fromisoformat(last_seen_text), int(last_id_text)
                except ValueError as err:
                    raise Invalid("invalid cursor", code="invalid_cursor") from err
                query = query.where(
                    or_(
                        col(ActivityRecord.last_seen) < last_seen,
                        (col(ActivityRecord.last_seen) == last_seen) & (col(ActivityRecord.id) < last_id),
                    )
                )
            query = query.order_by(col(ActivityRecord.last_seen).desc(), col(ActivityRecord.id).desc()).limit(limit + 1)
            rows = list((await s.execute(query)).scalars())
        more = len(rows) > limit
        rows = rows[:limit]
        next_cursor = encode_cursor(rows[-1].last_seen.isoformat(), str(rows[-1].id)) if more and rows else None
        return rows, next_cursor

    async def open_findings(
        self, user_id: str, project_id: str, *, mine: bool = False
    ) -> list[tuple[FindingRecord, dict[str, Any] | None]]:
        """Open findings of the project, each with the caller's mute (dismissed/snoozed) if any."""
        async with self.store.session() as s:
            await self.projects.authorize(s, project_id, user_id, Action.VIEW_PROJECT)
            query = select(FindingRecord).where(
                col(FindingRecord.project_id) == project_id, col(FindingRecord.state) == "open"
            )
            if mine:
                query = query.where(or_(col(FindingRecord.user_a) == user_id, col(FindingRecord.user_b) == user_id))
            findings = list((await s.execute(query.order_by(col(FindingRecord.updated_at).desc()))).scalars())
            ids = [f.id for f in findings]
            mutes = {}
            if ids:
                rows = await s.execute(
                    select(FindingMute).where(col(FindingMute.user_id) == user_id, col(FindingMute.finding_id).in_(ids))
                )
                mutes = {m.finding_id: _mute_out(m) for m in rows.scalars()}
        return [(f, mutes.get(f.id)) for f in findings]

    async def finding_history(
        self, user_id: str, project_id: str, finding_id: str
    ) -> tuple[FindingRecord, dict[str, Any] | None, list[FindingEvent]]:
        """One finding of the project (open or resolved), the caller's mute of it, its transitions oldest first."""
        async with self.store.session() as s:
            await self.projects.authorize(s, project_id, user_id, Action.VIEW_PROJECT)
            finding = await s.get(FindingRecord, finding_id)
            if finding is None or finding.project_id != project_id:
                raise NotFound("no such finding in this project", code="unknown_finding")
            rows = await s.execute(
                select(FindingEvent)
                .where(col(FindingEvent.finding_id) == finding_id, col(FindingEvent.project_id) == project_id)
                .order_by(col(FindingEvent.at), col(FindingEvent.id))
            )
            events = list(rows.scalars())
            mute = await s.get(FindingMute, (finding_id, user_id))
        return finding, _mute_out(mute), events


def _mute_out(mute: FindingMute | None) -> dict[str, Any] | None:
    if mute is None:
        return None
    return {"severity": mute.severity, "until": None if mute.until is None else mute.until.isoformat()}
