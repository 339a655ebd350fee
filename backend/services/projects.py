"""Projects and teams: projects, memberships and roles, project settings."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from backend import events
from backend.domain import project_settings, roles
from backend.domain.cursors import decode_cursor, encode_cursor
from backend.domain.invitations import as_utc
from backend.domain.project_settings import ProjectSettings, ProjectSettingsPatch
from backend.domain.roles import Action, Role
from backend.errors import NotFound
from backend.ports import EventBus, Store
from backend.settings import Settings
from backend.store.models import Membership, Project, User, utcnow


@dataclass(frozen=True, slots=True)
class Event:
    """An event to publish once the transaction that caused it has committed."""

    channel: str
    type: str
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ProjectView:
    """A project as one member sees it, with their role in it."""

    id: str
    name: str
    description: str
    created_by: str
    created_at: datetime
    updated_at: datetime
    role: Role


@dataclass(frozen=True, slots=True)
class ProjectPage:
    items: list[ProjectView]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class MemberView:
    user_id: str
    name: str
    email: str
    role: Role
    joined_at: datetime


def project_view(project: Project, role: Role) -> ProjectView:
    return ProjectView(
        id=project.id,
        name=project.name,
        description=project.description,
        created_by=project.created_by,
        created_at=as_utc(project.created_at),
        updated_at=as_utc(project.updated_at),
        role=role,
    )


def _member_joined(project_id: str, user_id: str, role: Role, *, by: str | None) -> list[Event]:
    """The team hears ``member.joined``; the newcomer's own channel hears ``membership.added``.

    The project channel goes first: the newcomer's event stream only follows it after ``membership.added``.
    """
    payload = {"project_id": project_id, "user_id": user_id, "role": role.value, "by": by}
    return [
        Event(events.project_channel(project_id), "member.joined", payload),
        Event(events.user_channel(user_id), "membership.added", payload),
    ]


class ProjectService:
    def __init__(
        self, *, settings: Settings, store: Store, bus: EventBus, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.settings = settings
        self.store = store
        self.bus = bus
        self.clock = clock

    # -- building blocks shared with the invitation service ------------------------------------------

    async def publish(self, pending: Iterable[Event]) -> None:
        for event in pending:
            await events.publish(self.bus, event.channel, event.type, **event.payload)

    async def authorize(
        self, session: AsyncSession, project_id: str, user_id: str, action: Action, *, lock: bool = False
    ) -> tuple[Project, Role]:
        """The project and the caller's role in it; NotFound for non-members, Forbidden below ``action``.

        ``lock`` takes the project row for update (PostgreSQL), serializing membership changes per project.
        """
        query = select(Project).where(Project.id == project_id)
        if lock:
            query = query.with_for_update()
        project = (await session.execute(query)).scalar_one_or_none()
        membership = await session.get(Membership, (project_id, user_id)) if project is not None else None
        if project is None or membership is None:
            raise NotFound("no such project, or you are not a member of it")
        role = Role(membership.role)
        roles.require(role, action)
        return project, role

    async def join(
        self, session: AsyncSession, project: Project, user_id: str, role: Role, *, by: str | None
    ) -> list[Event]:
        """Add a member with their workspace started from the project's notification defaults."""
        defaults = project_settings.load(project.settings)
        session.add(
            Membership(
                project_id=project.id,
                user_id=user_id,
                role=role.value,
                preferences=project_settings.initial_preferences(defaults),
                joined_at=self.clock(),
            )
        )
        await session.flush()
        return _member_joined(project.id, user_id, role, by=by)

    async def project_ids_of(self, user_id: str) -> list[str]:
        async with self.store.session() as s:
            rows = await s.execute(select(Membership.project_id).where(Membership.user_id == user_id))
            return list(rows.scalars())

    # -- projects ------------------------------------------------------------------------------------

    async def create(self, user_id: str, *, name: str, description: str) -> ProjectView:
        now = self.clock()
        async with self.store.session() as s:
            project = Project(
                name=name,
                description=description,
                created_by=user_id,
                settings=ProjectSettings().model_dump(mode="json"),
                created_at=now,
                updated_at=now,
            )
            s.add(project)
            await s.flush()
            pending = await self.join(s, project, user_id, Role.OWNER, by=user_id)
        await self.publish(pending)
        return project_view(project, Role.OWNER)

    async def require_member(self, user_id: str, project_id: str) -> Role:
        """The caller's role in the project; NotFound unless they are a member (the real-time hub's check).

        One primary-key read: a membership row exists only while its project does (ON DELETE CASCADE).
        """
        async with self.store.session() as s:
            role = await s.scalar(
                select(Membership.role).where(Membership.project_id == project_id, Membership.user_id == user_id)
            )
        if role is None:
            raise NotFound("no such project, or you are not a member of it")
        return Role(role)

    async def get(self, user_id: str, project_id: str) -> ProjectView:
        async with self.store.session() as s:
            project, role = await self.authorize(s, project_id, user_id, Action.VIEW_PROJECT)
        return project_view(project, role)

    async def update(
        self, user_id: str, project_id: str, *, name: str | None = None, description: str | None = None
    ) -> ProjectView:
        async with self.store.session() as s:
            project, role = await self.authorize(s, project_id, user_id, Action.UPDATE_PROJECT)
            if name is not None:
                project.name = name
            if description is not None:
                project.description = description
            project.updated_at = self.clock()
            s.add(project)
        await events.publish(
            self.bus,
            events.project_channel(project_id),
            "project.updated",
            project_id=project_id,
            name=project.name,
            description=project.description,
            by=user_id,
        )
        return project_view(project, role)

    async def delete(self, user_id: str, project_id: str) -> None:
        async with self.store.session() as s:
            project, _ = await self.authorize(s, project_id, user_id, Action.DELETE_PROJECT, lock=True)
            await s.delete(project)  # memberships and invitations go with it (ON DELETE CASCADE)
        await events.publish(
            self.bus, events.project_channel(project_id), "project.deleted", project_id=project_id, by=user_id
        )

    async def list_mine(self, user_id: str, *, cursor: str | None, limit: int) -> ProjectPage:
        """The caller's projects by name, ``limit`` at a time, continuing after ``cursor``."""
        query = (
            select(Project, Membership.role)
            .join(Membership, col(Membership.project_id) == col(Project.id))
            .where(Membership.user_id == user_id)
            .order_by(col(Project.name), col(Project.id))
            .limit(limit + 1)
        )
        if cursor is not None:
            name, last_id = decode_cursor(cursor, size=2)
            query = query.where(
                or_(col(Project.name) > name, and_(col(Project.name) == name, col(Project.id) > last_id))
            )
        async with self.store.session() as s:
            rows = (await s.execute(query)).all()
        items = [project_view(project, Role(role)) for project, role in rows[:limit]]
        more = len(rows) > limit
        return ProjectPage(items, encode_cursor(items[-1].name, items[-1].id) if more and items else None)

    # -- members -------------------------------------------------------------------------------------

    async def members(self, user_id: str, project_id: str) -> list[MemberView]:
        async with self.store.session() as s:
            await self.authorize(s, project_id, user_id, Action.VIEW_PROJECT)
            rows = await s.execute(
                select(Membership, User)
                .join(User, col(User.id) == col(Membership.user_id))
                .where(Membership.project_id == project_id)
                .order_by(col(Membership.joined_at), col(Membership.user_id))
            )
            return [MemberView(u.id, u.name, u.email, Role(m.role), as_utc(m.joined_at)) for m, u in rows]

    async def _target(self, s: AsyncSession, project_id: str, target_id: str) -> tuple[Membership, int]:
        """The member acted on and how many owners the project has."""
        target = await s.get(Membership, (project_id, target_id))
        if target is None:
            raise NotFound("no such member in this project")
        owners = await s.scalar(
            select(func.count())
            .select_from(Membership)
            .where(Membership.project_id == project_id, Membership.role == Role.OWNER.value)
        )
        return target, int(owners or 0)

    async def change_role(self, user_id: str, project_id: str, target_id: str, role: Role) -> MemberView:
        async with self.store.session() as s:
            _, actor = await self.authorize(s, project_id, user_id, Action.VIEW_PROJECT, lock=True)
            target, owners = await self._target(s, project_id, target_id)
            previous = Role(target.role)
            roles.check_role_change(actor=actor, target=previous, new=role, is_self=target_id == user_id, owners=owners)
            if previous is not role:
                target.role = role.value
                s.add(target)
            person = await s.get(User, target_id)
        if person is None:
            raise NotFound("no such member in this project")
        if previous is not role:
            await events.publish(
                self.bus,
                events.project_channel(project_id),
                "member.role_changed",
                project_id=project_id,
                user_id=target_id,
                role=role.value,
                previous_role=previous.value,
                by=user_id,
            )
        return MemberView(person.id, person.name, person.email, role, as_utc(target.joined_at))

    async def remove_member(self, user_id: str, project_id: str, target_id: str) -> None:
        """Remove ``target_id``; removing yourself is leaving."""
        async with self.store.session() as s:
            _, actor = await self.authorize(s, project_id, user_id, Action.VIEW_PROJECT, lock=True)
            target, owners = await self._target(s, project_id, target_id)
            roles.check_removal(actor=actor, target=Role(target.role), is_self=target_id == user_id, owners=owners)
            await s.delete(target)
        payload = {"project_id": project_id, "user_id": target_id, "by": user_id}
        await self.publish(
            [
                Event(events.project_channel(project_id), "member.left", payload),
                Event(events.user_channel(target_id), "membership.removed", payload),
            ]
        )

    # -- settings ------------------------------------------------------------------------------------

    async def get_settings(self, user_id: str, project_id: str) -> ProjectSettings:
        async with self.store.session() as s:
            project, _ = await self.authorize(s, project_id, user_id, Action.VIEW_PROJECT)
        return project_settings.load(project.settings)

    async def update_settings(self, user_id: str, project_id: str, patch: ProjectSettingsPatch) -> ProjectSettings:
        async with self.store.session() as s:
            project, _ = await self.authorize(s, project_id, user_id, Action.UPDATE_SETTINGS, lock=True)
            updated, changed = project_settings.merge(project_settings.load(project.settings), patch)
            if changed:
                project.settings = updated.model_dump(mode="json")
                project.updated_at = self.clock()
                s.add(project)
        if changed:
            await events.publish(
                self.bus,
                events.project_channel(project_id),
                "project.settings_changed",
                project_id=project_id,
                changed=changed,
                settings=updated.model_dump(mode="json"),
                by=user_id,
            )
        return updated
