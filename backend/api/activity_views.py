"""HTTP views over the real-time core's records: a project's activity history and its open findings."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from aiohttp import web
from pydantic import Field

from backend import keys
from backend.api.models import Input, Output, Page, StorableDatetime
from backend.api.registry import Routes
from backend.services.history import ActivityFilter

routes = Routes(tag="activity")


class ActivityQuery(Input):
    user_id: str | None = Field(default=None, max_length=64)
    repository_id: str | None = Field(default=None, max_length=64)
    branch: str | None = Field(default=None, max_length=255)
    path: str | None = Field(default=None, max_length=4096, description="A file, or a folder ending with `/`.")
    since: StorableDatetime | None = None
    until: StorableDatetime | None = None
    cursor: str | None = Field(default=None, max_length=200)
    limit: int = Field(default=50, ge=1, le=200)


class ActivityOut(Output):
    user_id: str
    repository_id: str
    branch: str
    path: str
    day: date
    first_seen: datetime
    last_seen: datetime
    updates: int


class ConflictsQuery(Input):
    mine: bool = Field(default=False, description="Only findings I am part of.")


class FindingOut(Output):
    id: str
    repository_id: str
    path: str
    severity: str
    approximate: bool
    user_a: str
    user_b: str
    detail: dict[str, Any] = Field(description="Both sides: users, working copies, branches, regions, symbols.")
    opened_at: datetime
    updated_at: datetime
    muted: dict[str, Any] | None = Field(description="My dismissal or snooze of it, if any.")


class FindingList(Output):
    items: list[FindingOut]


class FindingEventOut(Output):
    kind: str = Field(description="`opened`, `updated` (its severity changed) or `resolved`.")
    severity: str
    at: datetime


class FindingHistory(Output):
    finding: FindingOut
    state: str = Field(description="`open` or `resolved`.")
    resolved_at: datetime | None
    history: list[FindingEventOut] = Field(description="Its transitions, oldest first.")


@routes.get("/api/projects/{project_id}/activity", query=ActivityQuery, response=Page[ActivityOut], errors=(404,))
async def project_activity(request: web.Request, query: ActivityQuery) -> Page[ActivityOut]:
    """Who worked on which file of which branch, and when (newest first, one row per file and day)."""
    service = request.app[keys.SERVICES].history
    filters = ActivityFilter(
        user_id=query.user_id,
        repository_id=query.repository_id,
        branch=query.branch,
        path=query.path,
        since=query.since,
        until=query.until,
    )
    rows, next_cursor = await service.activity(
        request[keys.CALLER].user_id, request.match_info["project_id"], filters, cursor=query.cursor, limit=query.limit
    )
    return Page[ActivityOut](items=[ActivityOut.model_validate(r) for r in rows], next_cursor=next_cursor)


@routes.get("/api/projects/{project_id}/conflicts", query=ConflictsQuery, response=FindingList, errors=(404,))
async def project_conflicts(request: web.Request, query: ConflictsQuery) -> FindingList:
    """The project's open findings (conflict, overlap, nearby), most recently changed first."""
    service = request.app[keys.SERVICES].history
    found = await service.open_findings(request[keys.CALLER].user_id, request.match_info["project_id"], mine=query.mine)
    return FindingList(items=[FindingOut.model_validate({**f.model_dump(), "muted": muted}) for f, muted in found])


@routes.get("/api/projects/{project_id}/conflicts/{finding_id}", response=FindingHistory, errors=(404,))
async def finding_history(request: web.Request) -> FindingHistory:
    """One finding, open or resolved, with its history: when it opened, each change of severity, when it resolved."""
    service = request.app[keys.SERVICES].history
    finding, muted, events = await service.finding_history(
        request[keys.CALLER].user_id, request.match_info["project_id"], request.match_info["finding_id"]
    )
    return FindingHistory(
        finding=FindingOut.model_validate({**finding.model_dump(), "muted": muted}),
        state=finding.state,
        resolved_at=finding.resolved_at,
        history=[FindingEventOut.model_validate(e) for e in events],
    )
