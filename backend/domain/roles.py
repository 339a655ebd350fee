"""Project roles and what each may do: the permission table as data, with pure checks over it."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from backend.errors import Conflict, Forbidden


class Role(StrEnum):
    OWNER = "owner"
    MAINTAINER = "maintainer"
    DEVELOPER = "developer"
    VIEWER = "viewer"


RANK: Final[Mapping[Role, int]] = MappingProxyType(
    {Role.VIEWER: 0, Role.DEVELOPER: 1, Role.MAINTAINER: 2, Role.OWNER: 3}
)
ROLES_HIGH_TO_LOW: Final = tuple(sorted(Role, key=lambda r: -RANK[r]))


class Action(StrEnum):
    """Something done to a project; the value is how docs/permissions.md names it."""

    VIEW_PROJECT = "View the project, its members and its settings"
    LEAVE = "Leave the project"
    UPDATE_PROJECT = "Rename the project, edit its description"
    UPDATE_SETTINGS = "Change the project settings"
    MANAGE_INVITATIONS = "List, create, resend and revoke invitations"
    MANAGE_MEMBERS = "Change roles of and remove members (see below)"
    DELETE_PROJECT = "Delete the project"


# The table itself: the least role that may perform each action.
MINIMUM_ROLE: Final[Mapping[Action, Role]] = MappingProxyType(
    {
        Action.VIEW_PROJECT: Role.VIEWER,
        Action.LEAVE: Role.VIEWER,
        Action.UPDATE_PROJECT: Role.MAINTAINER,
        Action.UPDATE_SETTINGS: Role.MAINTAINER,
        Action.MANAGE_INVITATIONS: Role.MAINTAINER,
        Action.MANAGE_MEMBERS: Role.MAINTAINER,
        Action.DELETE_PROJECT: Role.OWNER,
    }
)


def at_least(role: Role, minimum: Role) -> bool:
    return RANK[role] >= RANK[minimum]


def can(role: Role, action: Action) -> bool:
    """Whether ``role`` may perform ``action`` at all."""
    return at_least(role, MINIMUM_ROLE[action])


def require(role: Role, action: Action) -> None:
    """Raise Forbidden unless ``role`` may perform ``action``."""
    if not can(role, action):
        minimum = MINIMUM_ROLE[action]
        raise Forbidden(
            f"your role ({role}) does not allow this: it needs {minimum} or above",
            details={"action": action.name.lower(), "role": role.value, "required": minimum.value},
        )


def can_manage(actor: Role, target: Role) -> bool:
    """Whether ``actor`` may change the role of, or remove, a member who is ``target``.

    Owners manage everyone (other owners included); maintainers manage developers and viewers.
    """
    if not can(actor, Action.MANAGE_MEMBERS):
        return False
    return actor is Role.OWNER or RANK[target] < RANK[actor]


def can_assign(actor: Role, role: Role) -> bool:
    """Whether ``actor`` may give someone ``role`` (by role change or invitation): never above their own."""
    return can(actor, Action.MANAGE_MEMBERS) and RANK[role] <= RANK[actor]


def require_invite(actor: Role, role: Role) -> None:
    """Raise Forbidden unless ``actor`` may invite, resend or revoke an invitation for ``role``."""
    require(actor, Action.MANAGE_INVITATIONS)
    if RANK[role] > RANK[actor]:
        raise Forbidden(f"a {actor} cannot invite someone as {role}: the role may not be above your own")


def check_role_change(*, actor: Role, target: Role, new: Role, is_self: bool, owners: int) -> None:
    """Raise Forbidden or Conflict unless ``actor`` may turn a member who is ``target`` into ``new``.

    Anyone may lower their own role; the last owner may not stop being an owner (``owners`` counts them).
    """
    lowering_self = is_self and RANK[new] < RANK[target]
    if not lowering_self:
        if not can_manage(actor, target):
            raise Forbidden(f"a {actor} cannot change the role of a {target}")
        if not can_assign(actor, new):
            raise Forbidden(f"a {actor} cannot make someone {new}")
    if target is Role.OWNER and new is not Role.OWNER and owners <= 1:
        raise Conflict("the project's last owner cannot be demoted: make someone else owner first", code="last_owner")


def check_removal(*, actor: Role, target: Role, is_self: bool, owners: int) -> None:
    """Raise Forbidden or Conflict unless ``actor`` may remove a ``target`` member (themselves: leaving)."""
    if is_self:
        require(actor, Action.LEAVE)
    elif not can_manage(actor, target):
        raise Forbidden(f"a {actor} cannot remove a {target}")
    if target is Role.OWNER and owners <= 1:
        raise Conflict(
            "the project's last owner cannot leave: make someone else owner or delete the project",
            code="last_owner",
        )


def _mark(allowed: bool) -> str:
    return "yes" if allowed else "—"


def permissions_markdown() -> str:
    """The tables of docs/permissions.md, generated from this module (a test keeps the two equal)."""
    header = "| Action | " + " | ".join(r.value for r in ROLES_HIGH_TO_LOW) + " |"
    rule = "| --- |" + " :---: |" * len(ROLES_HIGH_TO_LOW)
    lines = [header, rule]
    for action in Action:
        cells = " | ".join(_mark(can(role, action)) for role in ROLES_HIGH_TO_LOW)
        lines.append(f"| {action.value} | {cells} |")
    lines += ["", "| Actor | may change or remove | may give the role (change or invite) |", "| --- | --- | --- |"]
    for actor in ROLES_HIGH_TO_LOW:
        manages = ", ".join(t.value for t in ROLES_HIGH_TO_LOW if can_manage(actor, t)) or "—"
        assigns = ", ".join(t.value for t in ROLES_HIGH_TO_LOW if can_assign(actor, t)) or "—"
        lines.append(f"| {actor.value} | {manages} | {assigns} |")
    return "\n".join(lines) + "\n"
