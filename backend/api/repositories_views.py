"""HTTP views for a project's repositories."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web
from pydantic import Field

from backend import keys
from backend.api.models import Input, Output
from backend.api.registry import Routes

routes = Routes(tag="repositories")


class RepositoryIn(Input):
    remote_url: str = Field(
        min_length=1,
        max_length=2048,
        description="Any spelling of the remote: `git@host:org/repo.git`, `https://host/org/repo`, `ssh://…`.",
    )
    default_branch: str = Field(default="main", min_length=1, max_length=255)


class RepositoryOut(Output):
    id: str
    project_id: str
    url: str = Field(description="The normalised remote URL that identifies the repository.")
    default_branch: str
    created_by: str
    created_at: datetime


class RepositoryList(Output):
    items: list[RepositoryOut]


@routes.post(
    "/api/projects/{project_id}/repositories", body=RepositoryIn, response=RepositoryOut, status=201, errors=(404, 409)
)
async def register_repository(request: web.Request, body: RepositoryIn) -> RepositoryOut:
    """Register a repository by its remote URL (developers and above)."""
    service = request.app[keys.SERVICES].repositories
    repo = await service.register(
        request[keys.CALLER].user_id, request.match_info["project_id"], body.remote_url, body.default_branch
    )
    return RepositoryOut.model_validate(repo)


@routes.get("/api/projects/{project_id}/repositories", response=RepositoryList, errors=(404,))
async def list_repositories(request: web.Request) -> RepositoryList:
    """The project's repositories."""
    service = request.app[keys.SERVICES].repositories
    repos = await service.list(request[keys.CALLER].user_id, request.match_info["project_id"])
    return RepositoryList(items=[RepositoryOut.model_validate(r) for r in repos])


@routes.delete("/api/projects/{project_id}/repositories/{repository_id}", errors=(404,))
async def remove_repository(request: web.Request) -> None:
    """Remove a repository from the project (maintainers and above); its activity history goes with it."""
    service = request.app[keys.SERVICES].repositories
    await service.remove(
        request[keys.CALLER].user_id, request.match_info["project_id"], request.match_info["repository_id"]
    )
