"""Invitations to projects: single-use tokens sent to an address, accepted or declined by its owner."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from backend import events
from backend.domain import invitations as rules
from backend.domain import roles
from backend.domain.invitations import Lifecycle, State, as_utc
from backend.domain.roles import Action, Role
from backend.errors import Conflict, NotFound, Unauthorized
from backend.ports import EventBus, Store
from backend.services.projects import Event, ProjectService, ProjectView, project_view
from backend.settings import Settings
from backend.store.models import Invitation, Membership, Project, User, utcnow


@dataclass(frozen=True, slots=True)
class InvitationView:
    id: str
    project_id: str
    project_name: str
    email: str
    role: Role
    invited_by: str
    created_at: datetime
    expires_at: datetime
    sent_count: int
    state: State


@dataclass(frozen=True, slots=True)
class IssuedInvitation:
    """A new or resent invitation with its token: the only time the token is ever shown."""

    invitation: InvitationView
    token: str
    accept_url: str


def _lifecycle(inv: Invitation) -> Lifecycle:
    return Lifecycle(inv.expires_at, inv.accepted_at, inv.declined_at, inv.revoked_at)


_NOT_OPEN = "this invitation was already {state}; invite the address again instead"


class InvitationService:
    def __init__(
        self,
        *,
        settings: Settings,
        store: Store,
        bus: EventBus,
        projects: ProjectService,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.settings = settings
        self.store = store
        self.bus = bus
        self.projects = projects
        self.clock = clock

    def _view(self, inv: Invitation, project_name: str) -> InvitationView:
        return InvitationView(
            id=inv.id,
            project_id=inv.project_id,
            project_name=project_name,
            email=inv.email,
            role=Role(inv.role),
            invited_by=inv.invited_by,
            created_at=as_utc(inv.created_at),
            expires_at=as_utc(inv.expires_at),
            sent_count=inv.sent_count,
            state=rules.state(_lifecycle(inv), self.clock()),
        )

    def _issue(self, inv: Invitation, project_name: str, token: str) -> IssuedInvitation:
        url = rules.accept_url(self.settings.effective_public_url, token)
        return IssuedInvitation(self._view(inv, project_name), token, url)

    async def _open_for(self, s: AsyncSession, project_id: str, email: str) -> list[Invitation]:
        """Invitations to ``email`` not yet accepted, declined or revoked (expired ones included)."""
        rows = await s.execute(
            select(Invitation).where(
                Invitation.project_id == project_id,
                Invitation.email == email,
                col(Invitation.accepted_at).is_(None),
                col(Invitation.declined_at).is_(None),
                col(Invitation.revoked_at).is_(None),
            )
        )
        return list(rows.scalars())

    async def _in_project(self, s: AsyncSession, project_id: str, invitation_id: str) -> Invitation:
        inv = await s.get(Invitation, invitation_id)
        if inv is None or inv.project_id != project_id:
            raise NotFound("no such invitation in this project")
        return inv

    # -- managed by the project ----------------------------------------------------------------------

    async def create(self, user_id: str, project_id: str, *, email: str, role: Role) -> IssuedInvitation:
        email = rules.normalize_email(email)
        now = self.clock()
        async with self.store.session() as s:
            project, actor = await self.projects.authorize(s, project_id, user_id, Action.MANAGE_INVITATIONS, lock=True)
            roles.require_invite(actor, role)
            invitee = (await s.execute(select(User).where(User.email == email))).scalar_one_or_none()
            if invitee is not None and await s.get(Membership, (project_id, invitee.id)) is not None:
                raise Conflict(f"{email} is already a member of this project", code="already_member")
            for existing in await self._open_for(s, project_id, email):
                if rules.state(_lifecycle(existing), now) is State.PENDING:
                    raise Conflict(
                        f"{email} already has a pending invitation: resend or revoke it",
                        code="already_invited",
                        details={"invitation_id": existing.id},
                    )
            token = rules.new_token()
            inv = Invitation(
                project_id=project_id,
                email=email,
                role=role.value,
                token_hash=rules.token_digest(token),
                invited_by=user_id,
                created_at=now,
                expires_at=now + timedelta(seconds=self.settings.invitation_ttl),
            )
            s.add(inv)
            await s.flush()
            issued = self._issue(inv, project.name, token)
        if invitee is not None:
            await self._tell_invitee(invitee.id, "invitation.created", issued.invitation)
        return issued

    async def _tell_invitee(self, invitee_id: str, event_type: str, inv: InvitationView) -> None:
        await events.publish(
            self.bus,
            events.user_channel(invitee_id),
            event_type,
            invitation_id=inv.id,
            project_id=inv.project_id,
            project_name=inv.project_name,
            role=inv.role.value,
            invited_by=inv.invited_by,
            expires_at=inv.expires_at.isoformat(),
        )

    async def list_pending(self, user_id: str, project_id: str) -> list[InvitationView]:
        async with self.store.session() as s:
            project, _ = await self.projects.authorize(s, project_id, user_id, Action.MANAGE_INVITATIONS)
            rows = await s.execute(
                select(Invitation)
                .where(
                    Invitation.project_id == project_id,
                    col(Invitation.accepted_at).is_(None),
                    col(Invitation.declined_at).is_(None),
                    col(Invitation.revoked_at).is_(None),
                )
                .order_by(col(Invitation.created_at), col(Invitation.id))
            )
            views = [self._view(inv, project.name) for inv in rows.scalars()]
        return [v for v in views if v.state is State.PENDING]

    async def _manageable(
        self, s: AsyncSession, user_id: str, project_id: str, invitation_id: str, now: datetime
    ) -> tuple[Project, Invitation]:
        """An invitation the caller may resend or revoke: in the project, within their role, not yet used."""
        project, actor = await self.projects.authorize(s, project_id, user_id, Action.MANAGE_INVITATIONS, lock=True)
        inv = await self._in_project(s, project_id, invitation_id)
        roles.require_invite(actor, Role(inv.role))
        current = rules.state(_lifecycle(inv), now)
        if current not in (State.PENDING, State.EXPIRED):
            raise Conflict(_NOT_OPEN.format(state=current.value), code=f"invitation_{current.value}")
        return project, inv

    async def resend(self, user_id: str, project_id: str, invitation_id: str) -> IssuedInvitation:
        """A new token (the old one stops working), a new expiry, one more send."""
        now = self.clock()
        async with self.store.session() as s:
            project, inv = await self._manageable(s, user_id, project_id, invitation_id, now)
            others = [o for o in await self._open_for(s, project_id, inv.email) if o.id != inv.id]
            if any(rules.state(_lifecycle(o), now) is State.PENDING for o in others):
                raise Conflict(f"{inv.email} has a newer pending invitation: resend that one", code="already_invited")
            token = rules.new_token()
            inv.token_hash = rules.token_digest(token)
            inv.expires_at = now + timedelta(seconds=self.settings.invitation_ttl)
            inv.sent_count += 1
            s.add(inv)
            return self._issue(inv, project.name, token)  # the session commits on leaving the block

    async def revoke(self, user_id: str, project_id: str, invitation_id: str) -> None:
        now = self.clock()
        async with self.store.session() as s:
            project, inv = await self._manageable(s, user_id, project_id, invitation_id, now)
            inv.revoked_at = now
            s.add(inv)
            view = self._view(inv, project.name)
            invitee_id = await s.scalar(select(User.id).where(User.email == inv.email))
        if invitee_id is not None:
            await self._tell_invitee(invitee_id, "invitation.revoked", view)

    # -- answered by the invited address -------------------------------------------------------------

    async def _email_of(self, s: AsyncSession, user_id: str) -> str:
        email = await s.scalar(select(User.email).where(User.id == user_id))
        if email is None:
            raise Unauthorized("this account no longer exists")
        return email

    async def _by_token(self, s: AsyncSession, token: str) -> Invitation:
        query = select(Invitation).where(Invitation.token_hash == rules.token_digest(token))
        inv = (await s.execute(query)).scalar_one_or_none()
        if inv is None:
            raise NotFound(
                "no such invitation: the link is wrong, or a newer invitation to the same address replaced it",
                code="invitation_not_found",
            )
        return inv

    async def _mine(self, s: AsyncSession, user_id: str, invitation_id: str) -> Invitation:
        inv = await s.get(Invitation, invitation_id)
        if inv is None or inv.email != rules.normalize_email(await self._email_of(s, user_id)):
            raise NotFound("no such invitation for your address", code="invitation_not_found")
        return inv

    async def _lock(self, s: AsyncSession, inv: Invitation) -> Project:
        """Lock the invitation's project, then reread the invitation as it is now.

        Every change to a project's invitations and members takes the project's row first (PostgreSQL),
        so two answers, or an answer and a revoke, cannot both succeed, and locks are always taken in the
        same order.
        """
        query = select(Project).where(Project.id == inv.project_id).with_for_update()
        project = (await s.execute(query)).scalar_one()
        await s.refresh(inv)
        return project

    async def _accept(self, s: AsyncSession, inv: Invitation, user_id: str) -> tuple[ProjectView, list[Event]]:
        project = await self._lock(s, inv)
        now = self.clock()
        rules.require_answerable(_lifecycle(inv), invited=inv.email, answerer=await self._email_of(s, user_id), now=now)
        if await s.get(Membership, (project.id, user_id)) is not None:
            raise Conflict("you are already a member of this project", code="already_member")
        inv.accepted_at = now
        s.add(inv)
        role = Role(inv.role)
        pending = await self.projects.join(s, project, user_id, role, by=inv.invited_by)
        return project_view(project, role), pending

    async def _decline(self, s: AsyncSession, inv: Invitation, user_id: str) -> None:
        await self._lock(s, inv)
        now = self.clock()
        rules.require_answerable(_lifecycle(inv), invited=inv.email, answerer=await self._email_of(s, user_id), now=now)
        inv.declined_at = now
        s.add(inv)

    async def accept_token(self, user_id: str, token: str) -> ProjectView:
        async with self.store.session() as s:
            view, pending = await self._accept(s, await self._by_token(s, token), user_id)
        await self.projects.publish(pending)
        return view

    async def decline_token(self, user_id: str, token: str) -> None:
        async with self.store.session() as s:
            await self._decline(s, await self._by_token(s, token), user_id)

    async def accept_mine(self, user_id: str, invitation_id: str) -> ProjectView:
        async with self.store.session() as s:
            view, pending = await self._accept(s, await self._mine(s, user_id, invitation_id), user_id)
        await self.projects.publish(pending)
        return view

    async def decline_mine(self, user_id: str, invitation_id: str) -> None:
        async with self.store.session() as s:
            await self._decline(s, await self._mine(s, user_id, invitation_id), user_id)

    async def mine(self, user_id: str) -> list[InvitationView]:
        """Pending invitations to the caller's address, across projects (never with tokens)."""
        async with self.store.session() as s:
            email = rules.normalize_email(await self._email_of(s, user_id))
            rows = await s.execute(
                select(Invitation, Project.name)
                .join(Project, col(Project.id) == col(Invitation.project_id))
                .where(
                    Invitation.email == email,
                    col(Invitation.accepted_at).is_(None),
                    col(Invitation.declined_at).is_(None),
                    col(Invitation.revoked_at).is_(None),
                )
                .order_by(col(Invitation.created_at), col(Invitation.id))
            )
            views = [self._view(inv, name) for inv, name in rows]
        return [v for v in views if v.state is State.PENDING]
