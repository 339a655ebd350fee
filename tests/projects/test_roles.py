"""The permission table and the role rules, tested without I/O; docs/permissions.md must match them."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend.domain import roles
from backend.domain.roles import Action, Role
from backend.errors import Conflict, Forbidden

OW, M, D, V = Role.OWNER, Role.MAINTAINER, Role.DEVELOPER, Role.VIEWER
DOC = Path(__file__).parents[2] / "docs" / "permissions.md"

# Written out by hand (not derived from the module) so a change to the table has to change this too.
EXPECTED = {
    Action.VIEW_PROJECT: {OW, M, D, V},
    Action.LEAVE: {OW, M, D, V},
    Action.UPDATE_PROJECT: {OW, M},
    Action.UPDATE_SETTINGS: {OW, M},
    Action.MANAGE_INVITATIONS: {OW, M},
    Action.MANAGE_MEMBERS: {OW, M},
    Action.DELETE_PROJECT: {OW},
}


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("role", list(Role))
def test_table(role: Role, action: Action) -> None:
    assert roles.can(role, action) is (role in EXPECTED[action])
    if role in EXPECTED[action]:
        roles.require(role, action)
    else:
        with pytest.raises(Forbidden, match="needs"):
            roles.require(role, action)


def test_every_action_has_a_minimum_role() -> None:
    assert set(roles.MINIMUM_ROLE) == set(Action)


MANAGES = {OW: {OW, M, D, V}, M: {D, V}, D: set(), V: set()}
ASSIGNS = {OW: {OW, M, D, V}, M: {M, D, V}, D: set(), V: set()}


@pytest.mark.parametrize("target", list(Role))
@pytest.mark.parametrize("actor", list(Role))
def test_manage_and_assign(actor: Role, target: Role) -> None:
    assert roles.can_manage(actor, target) is (target in MANAGES[actor])
    assert roles.can_assign(actor, target) is (target in ASSIGNS[actor])


@pytest.mark.parametrize(
    ("actor", "target", "new", "is_self", "owners", "outcome"),
    [
        (OW, D, M, False, 1, None),
        (OW, M, OW, False, 1, None),  # only owners grant owner
        (OW, OW, M, False, 2, None),  # ... and take it away
        (M, D, V, False, 1, None),
        (M, V, M, False, 1, None),  # up to the maintainer's own role
        (M, D, OW, False, 1, Forbidden),
        (M, M, D, False, 1, Forbidden),  # maintainers manage developers and viewers only
        (M, OW, M, False, 1, Forbidden),
        (D, V, D, False, 1, Forbidden),
        (V, V, D, True, 1, Forbidden),  # nobody raises their own role
        (M, M, V, True, 1, None),  # anyone may lower their own role
        (OW, OW, M, True, 1, Conflict),  # ... except the last owner
        (OW, OW, D, True, 2, None),
        (M, OW, D, False, 1, Forbidden),  # 403 before 409: the maintainer may not even try
    ],
)
def test_role_change(
    actor: Role, target: Role, new: Role, is_self: bool, owners: int, outcome: type[Exception] | None
) -> None:
    if outcome is None:
        roles.check_role_change(actor=actor, target=target, new=new, is_self=is_self, owners=owners)
    else:
        with pytest.raises(outcome):
            roles.check_role_change(actor=actor, target=target, new=new, is_self=is_self, owners=owners)


@pytest.mark.parametrize(
    ("actor", "target", "is_self", "owners", "outcome"),
    [
        (V, V, True, 1, None),  # leaving
        (D, D, True, 1, None),
        (OW, OW, True, 1, Conflict),  # the last owner cannot leave
        (OW, OW, True, 2, None),
        (OW, OW, False, 2, None),
        (OW, M, False, 1, None),
        (M, D, False, 1, None),
        (M, M, False, 1, Forbidden),
        (M, OW, False, 1, Forbidden),
        (D, V, False, 1, Forbidden),
        (V, D, False, 1, Forbidden),
    ],
)
def test_removal(actor: Role, target: Role, is_self: bool, owners: int, outcome: type[Exception] | None) -> None:
    if outcome is None:
        roles.check_removal(actor=actor, target=target, is_self=is_self, owners=owners)
    else:
        with pytest.raises(outcome):
            roles.check_removal(actor=actor, target=target, is_self=is_self, owners=owners)


def test_last_owner_conflict_has_its_own_code() -> None:
    with pytest.raises(Conflict) as caught:
        roles.check_removal(actor=OW, target=OW, is_self=True, owners=1)
    assert caught.value.code == "last_owner"


@pytest.mark.parametrize(("actor", "role", "allowed"), [(OW, OW, True), (M, M, True), (M, OW, False), (D, V, False)])
def test_invite(actor: Role, role: Role, allowed: bool) -> None:
    if allowed:
        roles.require_invite(actor, role)
    else:
        with pytest.raises(Forbidden):
            roles.require_invite(actor, role)


def test_docs_table_matches_the_code() -> None:
    text = DOC.read_text()
    start, end = "<!-- permissions:start -->\n", "<!-- permissions:end -->"
    assert start in text, "docs/permissions.md lost its generated-table markers"
    assert end in text, "docs/permissions.md lost its generated-table markers"
    documented = text.split(start, 1)[1].split(end, 1)[0]
    assert documented.strip() == roles.permissions_markdown().strip(), (
        "docs/permissions.md is out of date; paste the output of "
        "`uv run python -c 'from backend.domain.roles import permissions_markdown as p; print(p())'`"
    )
