"""HTTP views for projects, members, invitations and project settings."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

from aiohttp import web
from pydantic import Field, StringConstraints

from backend import keys
from backend.api.models import Input, Output, Page, PageQuery
from backend.api.registry import Routes
from backend.domain.invitations import State
from backend.domain.project_settings import ProjectSettings, ProjectSettingsPatch
from backend.domain.roles import Role

if TYPE_CHECKING:
    from backend.services.container import Services
    from backend.services.invitations import IssuedInvitation

routes = Routes(tag="projects")

ProjectName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Description = Annotated[str, StringConstraints(max_length=2000)]
Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]


class ProjectIn(Input):
    name: ProjectName
    description: Description = ""


class ProjectPatch(Input):
    name: ProjectName | None = None
    description: Description | None = None


class ProjectOut(Output):
    id: str
    name: str
    description: str
    created_by: str
    created_at: datetime
    updated_at: datetime
    role: Role = Field(description="Your role in the project.")


class MemberOut(Output):
    user_id: str
    name: str
    email: str
    role: Role
    joined_at: datetime


class MemberList(Output):
    items: list[MemberOut]


class RoleChange(Input):
    role: Role


class InvitationIn(Input):
    email: Email
    role: Role = Role.DEVELOPER


class InvitationOut(Output):
    id: str
    project_id: str
    project_name: str
    email: str
    role: Role
    invited_by: str = Field(description="User id of who invited.")
    created_at: datetime
    expires_at: datetime
    sent_count: int
    state: State


class InvitationList(Output):
    items: list[InvitationOut]


class IssuedInvitationOut(Output):
    """The invitation with its token: shown here once, never again (only its SHA-256 is stored)."""

    invitation: InvitationOut
    token: str
    accept_url: str = Field(description="Public URL + /invitations/{token}, to hand to the invited person.")


def _services(request: web.Request) -> Services:
    return request.app[keys.SERVICES]


def _me(request: web.Request) -> str:
    return request[keys.CALLER].user_id


def _issued(issued: IssuedInvitation) -> IssuedInvitationOut:
    return IssuedInvitationOut(
        invitation=InvitationOut.model_validate(issued.invitation), token=issued.token, accept_url=issued.accept_url
    )


# -- projects ------------------------------------------------------------------------------------------


@routes.get("/api/projects", query=PageQuery, response=Page[ProjectOut])
async def list_projects(request: web.Request, query: PageQuery) -> Page[ProjectOut]:
    """Your projects, by name, one page at a time."""
    page = await _services(request).projects.list_mine(_me(request), cursor=query.cursor, limit=query.limit)
    return Page[ProjectOut](items=[ProjectOut.model_validate(p) for p in page.items], next_cursor=page.next_cursor)


@routes.post("/api/projects", body=ProjectIn, response=ProjectOut, status=201)
async def create_project(request: web.Request, body: ProjectIn) -> ProjectOut:
    """Create a project; you become its owner."""
    project = await _services(request).projects.create(_me(request), name=body.name, description=body.description)
    return ProjectOut.model_validate(project)


@routes.get("/api/projects/{project_id}", response=ProjectOut, errors=(404,))
async def get_project(request: web.Request) -> ProjectOut:
    """A project you are a member of."""
    project = await _services(request).projects.get(_me(request), request.match_info["project_id"])
    return ProjectOut.model_validate(project)


@routes.patch("/api/projects/{project_id}", body=ProjectPatch, response=ProjectOut, errors=(404,))
async def update_project(request: web.Request, body: ProjectPatch) -> ProjectOut:
    """Rename a project or change its description (maintainer or owner)."""
    project = await _services(request).projects.update(
        _me(request), request.match_info["project_id"], name=body.name, description=body.description
    )
    return ProjectOut.model_validate(project)


@routes.delete("/api/projects/{project_id}", errors=(404,))
async def delete_project(request: web.Request) -> None:
    """Delete a project with its memberships and invitations (owner)."""
    await _services(request).projects.delete(_me(request), request.match_info["project_id"])


# -- members -------------------------------------------------------------------------------------------


@routes.get("/api/projects/{project_id}/members", response=MemberList, errors=(404,))
async def list_members(request: web.Request) -> MemberList:
    """The project's members with their roles, earliest first."""
    members = await _services(request).projects.members(_me(request), request.match_info["project_id"])
    return MemberList(items=[MemberOut.model_validate(m) for m in members])


@routes.patch("/api/projects/{project_id}/members/{user_id}", body=RoleChange, response=MemberOut, errors=(404, 409))
async def change_member_role(request: web.Request, body: RoleChange) -> MemberOut:
    """Change a member's role; see docs/permissions.md for who may give which role. 409: last owner."""
    member = await _services(request).projects.change_role(
        _me(request), request.match_info["project_id"], request.match_info["user_id"], body.role
    )
    return MemberOut.model_validate(member)


@routes.delete("/api/projects/{project_id}/members/{user_id}", errors=(404, 409))
async def remove_member(request: web.Request) -> None:
    """Remove a member; your own user id means leaving. 409: the last owner cannot leave."""
    await _services(request).projects.remove_member(
        _me(request), request.match_info["project_id"], request.match_info["user_id"]
    )


# -- invitations, managed by the project ------------------------------------------------------------------


@routes.get("/api/projects/{project_id}/invitations", response=InvitationList, errors=(404,))
async def list_invitations(request: web.Request) -> InvitationList:
    """Pending invitations of the project (maintainer or owner); tokens are never listed."""
    items = await _services(request).invitations.list_pending(_me(request), request.match_info["project_id"])
    return InvitationList(items=[InvitationOut.model_validate(i) for i in items])


@routes.post(
    "/api/projects/{project_id}/invitations",
    body=InvitationIn,
    response=IssuedInvitationOut,
    status=201,
    errors=(404, 409),
)
async def create_invitation(request: web.Request, body: InvitationIn) -> IssuedInvitationOut:
    """Invite an address with a role no higher than yours; the response holds the token, once.

    409 when the address is already a member or already has a pending invitation.
    """
    issued = await _services(request).invitations.create(
        _me(request), request.match_info["project_id"], email=body.email, role=body.role
    )
    return _issued(issued)


@routes.post(
    "/api/projects/{project_id}/invitations/{invitation_id}/resend", response=IssuedInvitationOut, errors=(404, 409)
)
async def resend_invitation(request: web.Request) -> IssuedInvitationOut:
    """Issue a new token (the previous one stops working) and extend the expiry."""
    issued = await _services(request).invitations.resend(
        _me(request), request.match_info["project_id"], request.match_info["invitation_id"]
    )
    return _issued(issued)


@routes.delete("/api/projects/{project_id}/invitations/{invitation_id}", errors=(404, 409))
async def revoke_invitation(request: web.Request) -> None:
    """Revoke an invitation that was not answered yet."""
    await _services(request).invitations.revoke(
        _me(request), request.match_info["project_id"], request.match_info["invitation_id"]
    )


# -- invitations, answered by the invited address ---------------------------------------------------------


@routes.post("/api/invitations/{token}/accept", response=ProjectOut, errors=(404, 409))
async def accept_invitation(request: web.Request) -> ProjectOut:
    """Join the project with the token; you must be signed in with the invited address (else 403)."""
    project = await _services(request).invitations.accept_token(_me(request), request.match_info["token"])
    return ProjectOut.model_validate(project)


@routes.post("/api/invitations/{token}/decline", errors=(404, 409))
async def decline_invitation(request: web.Request) -> None:
    """Decline with the token; you must be signed in with the invited address (else 403)."""
    await _services(request).invitations.decline_token(_me(request), request.match_info["token"])


@routes.get("/api/me/invitations", response=InvitationList)
async def my_invitations(request: web.Request) -> InvitationList:
    """Pending invitations to your address, across projects."""
    items = await _services(request).invitations.mine(_me(request))
    return InvitationList(items=[InvitationOut.model_validate(i) for i in items])


@routes.post("/api/me/invitations/{invitation_id}/accept", response=ProjectOut, errors=(404, 409))
async def accept_my_invitation(request: web.Request) -> ProjectOut:
    """Accept one of your pending invitations."""
    project = await _services(request).invitations.accept_mine(_me(request), request.match_info["invitation_id"])
    return ProjectOut.model_validate(project)


@routes.post("/api/me/invitations/{invitation_id}/decline", errors=(404, 409))
async def decline_my_invitation(request: web.Request) -> None:
    """Decline one of your pending invitations."""
    await _services(request).invitations.decline_mine(_me(request), request.match_info["invitation_id"])


# -- settings ------------------------------------------------------------------------------------------


@routes.get("/api/projects/{project_id}/settings", response=ProjectSettings, errors=(404,))
async def get_settings(request: web.Request) -> ProjectSettings:
    """The project's settings document, defaults filled in."""
    return await _services(request).projects.get_settings(_me(request), request.match_info["project_id"])


@routes.patch("/api/projects/{project_id}/settings", body=ProjectSettingsPatch, response=ProjectSettings, errors=(404,))
async def update_settings(request: web.Request, body: ProjectSettingsPatch) -> ProjectSettings:
    """Merge the given keys into the settings (maintainer or owner); publishes project.settings_changed."""
    return await _services(request).projects.update_settings(_me(request), request.match_info["project_id"], body)
