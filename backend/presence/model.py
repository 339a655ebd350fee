"""Pure presence rules: an entry per (project, user), the state derived from heartbeats and activity."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal

PresenceState = Literal["online", "idle", "away", "offline"]


@dataclass(frozen=True, slots=True)
class PresenceEntry:
    """What teammates see of one member of a project."""

    user_id: str
    state: PresenceState
    branch: str = ""
    file: str = ""
    last_seen: float = 0.0
    """Last heartbeat or message from any of the user's clients (epoch seconds)."""
    last_active: float = 0.0
    """Last real activity (an edit, a focus change); idle is measured from here."""
    away: bool = False
    """Set by the user (``presence.set away``, ``tandem agent pause``): shown as away whatever else."""

    def visible(self) -> tuple[str, str, str]:
        """What a change of is worth telling teammates about."""
        return (self.state, self.branch, self.file)

    def to_dict(self) -> dict[str, Any]:
        # What dataclasses.asdict gives, written out: asdict deep-copies each field, 40x slower, and this runs
        # for every member in each subscribe reply and for every presence write to Redis.
        return {
            "user_id": self.user_id,
            "state": self.state,
            "branch": self.branch,
            "file": self.file,
            "last_seen": self.last_seen,
            "last_active": self.last_active,
            "away": self.away,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PresenceEntry:
        return cls(**data)


@dataclass(frozen=True, slots=True)
class PresencePolicy:
    idle_after: float = 300.0
    """Quiet seconds before a connected member shows as idle (5 minutes, as in VS Live Share)."""
    offline_after: float = 60.0
    """Seconds without any heartbeat before a member shows as offline (3 missed heartbeats)."""

    def derive(self, entry: PresenceEntry, now: float) -> PresenceState:
        if now - entry.last_seen >= self.offline_after:
            return "offline"
        if entry.away:
            return "away"
        if now - entry.last_active >= self.idle_after:
            return "idle"
        return "online"

    def refresh(self, entry: PresenceEntry, now: float) -> PresenceEntry:
        state = self.derive(entry, now)
        return entry if state == entry.state else replace(entry, state=state)


def touch(
    previous: PresenceEntry | None,
    *,
    user_id: str,
    now: float,
    policy: PresencePolicy,
    active: bool,
    away: bool | None = None,
    branch: str | None = None,
    file: str | None = None,
) -> PresenceEntry:
    """The entry after a heartbeat (``active=False``) or an activity (``active=True``) from the user."""
    base = previous or PresenceEntry(user_id=user_id, state="offline", last_active=now)
    entry = replace(
        base,
        last_seen=now,
        last_active=now if active else base.last_active,
        away=base.away if away is None else away,
        branch=base.branch if branch is None else branch,
        file=base.file if file is None else file,
    )
    return replace(entry, state=policy.derive(entry, now))
