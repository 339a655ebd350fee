"""Teammates' display names, asked from the agent (the project's members) when an unknown user id shows up."""

from __future__ import annotations

import time
from collections.abc import Iterable

from tandem.protocol import MemberInfo, MembersResult

RETRY_AFTER = 60.0
"""A project whose members were just asked is not asked again for this long (unless a new id shows up later)."""


class Names:
    def __init__(self) -> None:
        self.members: dict[str, MemberInfo] = {}
        self._asked: dict[str, float] = {}

    def wanted(self, project_id: str, user_ids: Iterable[str], *, now: float | None = None) -> bool:
        """Whether to ask for ``project_id``'s members: some of ``user_ids`` have no name yet."""
        if not project_id or all(u in self.members or not u for u in user_ids):
            return False
        moment = time.monotonic() if now is None else now
        if moment - self._asked.get(project_id, -RETRY_AFTER) < RETRY_AFTER:
            return False
        self._asked[project_id] = moment
        return True

    def learn(self, result: MembersResult) -> bool:
        """Remember a members list; True when a name changed (the diagnostics should say it)."""
        changed = False
        for member in result.items:
            if self.members.get(member.user_id) != member:
                self.members[member.user_id] = member
                changed = True
        return changed
