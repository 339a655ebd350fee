"""Repositories of a project, known by their normalised remote URL; how a working copy finds its project."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from backend.domain import roles
from backend.domain.roles import Action, Role
from backend.errors import Conflict, Forbidden, Invalid, NotFound
from backend.ports import Store
from backend.services.projects import ProjectService
from backend.store.models import Membership, Project, Repository
from tandem.remotes import normalize_remote_url


@dataclass(frozen=True, slots=True)
class RepositoryView:
    id: str
    project_id: str
    url: str
    default_branch: str
    created_by: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Resolved:
    """What an agent needs to report on a working copy: where it belongs and the key for hunk hashes."""

    repository: RepositoryView
    project_name: str
    hash_key: str
    default_branch: str


def _view(repo: Repository) -> RepositoryView:
    return RepositoryView(repo.id, repo.project_id, repo.url, repo.default_branch, repo.created_by, repo.created_at)


def normalized(remote_url: str) -> str:
    url = normalize_remote_url(remote_url)
    if url is None:
        raise Invalid(f"not a git remote URL: {remote_url!r}")
    return url


class RepositoryService:
    def __init__(self, *, store: Store, projects: ProjectService) -> None:
        self.store = store
        self.projects = projects

    async def register(self, user_id: str, project_id: str, remote_url: str, default_branch: str) -> RepositoryView:
        url = normalized(remote_url)
        async with self.store.session() as s:
            _, role = await self.projects.authorize(s, project_id, user_id, Action.VIEW_PROJECT)
            if not roles.at_least(role, Role.DEVELOPER):
                raise Forbidden("viewers cannot register repositories; developers and above can")
            existing = await s.execute(
                select(Repository).where(col(Repository.project_id) == project_id, col(Repository.url) == url)
            )
            if existing.scalar_one_or_none() is not None:
                raise Conflict(f"{url} is already registered in this project")
            repo = Repository(project_id=project_id, url=url, default_branch=default_branch, created_by=user_id)
            s.add(repo)
            try:
                await s.flush()
            except IntegrityError as err:  # a concurrent registration of the same URL won
                raise Conflict(f"{url} is already registered in this project") from err
            return _view(repo)

    async def list(self, user_id: str, project_id: str) -> list[RepositoryView]:
        async with self.store.session() as s:
            await self.projects.authorize(s, project_id, user_id, Action.VIEW_PROJECT)
            rows = await s.execute(
                select(Repository).where(col(Repository.project_id) == project_id).order_by(col(Repository.created_at))
            )
            return [_view(r) for r in rows.scalars()]

    async def remove(self, user_id: str, project_id: str, repository_id: str) -> None:
        async with self.store.session() as s:
            await self.projects.authorize(s, project_id, user_id, Action.UPDATE_SETTINGS)
            repo = await s.get(Repository, repository_id)
            if repo is None or repo.project_id != project_id:
                raise NotFound("no such repository in this project")
            await s.delete(repo)

    async def resolve(self, user_id: str, remote_url: str, project_id: str | None = None) -> Resolved:
        """The caller's project for a working copy's remote; ambiguity is an error that names the choices."""
        url = normalized(remote_url)
        async with self.store.session() as s:
            query = (
                select(Repository, Project)
                .join(Project, col(Project.id) == col(Repository.project_id))
                .join(
                    Membership,
                    (col(Membership.project_id) == col(Project.id)) & (col(Membership.user_id) == user_id),
                )
                .where(col(Repository.url) == url)
            )
            if project_id is not None:
                query = query.where(col(Project.id) == project_id)
            rows = (await s.execute(query)).all()
        if not rows:
            raise NotFound(
                f"{url} belongs to none of your projects: register it with "
                "POST /api/projects/{id}/repositories, or link this working copy with `tandem init`",
                code="unknown_repository",
            )
        if len(rows) > 1:
            choices = [{"project_id": p.id, "name": p.name} for _, p in rows]
            raise Conflict(
                f"{url} is registered in several of your projects: choose one with `tandem init`",
                code="ambiguous_repository",
                details=choices,
            )
        repo, project = rows[0]
        return Resolved(_view(repo), project.name, project.hash_key, repo.default_branch)

    async def get(self, repository_id: str) -> RepositoryView | None:
        async with self.store.session() as s:
            repo = await s.get(Repository, repository_id)
            return None if repo is None else _view(repo)
