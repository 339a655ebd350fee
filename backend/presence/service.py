"""Presence use cases: heartbeats and activity in, presence events out, offline and idle found by sweeping."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from functools import partial

from backend.events import encode_event, project_channel
from backend.ports import EventBus
from backend.presence.model import PresenceEntry, PresencePolicy, touch
from backend.presence.stores import PresenceStore


def presence_event(project_id: str, entry: PresenceEntry) -> bytes:
    return encode_event(
        "presence",
        {
            "project_id": project_id,
            "user_id": entry.user_id,
            "state": entry.state,
            "branch": entry.branch,
            "file": entry.file,
            "last_active": entry.last_active,
        },
    )


QUIET_WRITE_EVERY = 10.0
"""A report that changes nothing teammates see is written at most this often per member and project."""


class PresenceService:
    """Presence through one process. Reports mostly repeat what the store holds (an editor reports activity
    every second): one that would change nothing visible, shortly after this process wrote the entry, is
    not written again, which spares two Redis round trips per report in scale-out."""

    def __init__(
        self,
        store: PresenceStore,
        bus: EventBus,
        policy: PresencePolicy,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.bus = bus
        self.policy = policy
        self.clock = clock
        self.write_every = min(QUIET_WRITE_EVERY, policy.offline_after / 6, policy.idle_after / 6)
        """Well inside ``offline_after`` and ``idle_after``: a skipped write never lets a member go stale."""
        self._written: dict[tuple[str, str], tuple[float, PresenceEntry]] = {}
        """What this process last wrote per (project, member), and when: only ever used to skip a write."""

    async def report(
        self,
        user_id: str,
        project_ids: Iterable[str],
        *,
        active: bool,
        away: bool | None = None,
        branch: str | None = None,
        file: str | None = None,
    ) -> None:
        """Record a heartbeat (``active=False``) or activity; tell the project when what it sees changed."""
        now = self.clock()
        after = partial(
            touch, user_id=user_id, now=now, policy=self.policy, active=active, away=away, branch=branch, file=file
        )
        for project_id in project_ids:
            written = self._written.get((project_id, user_id))
            # A status the user set (away or back) always goes to the store: it may undo another process's.
            # So does activity after a quiet spell: a sweep elsewhere may have shown the user idle meanwhile.
            if (
                away is None
                and written is not None
                and now - written[0] < self.write_every
                and (not active or now - written[1].last_active < self.write_every)
            ):
                unchanged = written[1]
                if after(unchanged).visible() == unchanged.visible():
                    continue
            # The store's entry, not ours: another process may have changed it (a status set from the browser).
            previous = await self.store.get(project_id, user_id)
            entry = after(previous)
            await self.store.put(project_id, entry)
            self._written[(project_id, user_id)] = (now, entry)
            if previous is None or previous.visible() != entry.visible():
                await self.bus.publish(project_channel(project_id), presence_event(project_id, entry))

    async def sweep(self) -> int:
        """Turn silent members offline and quiet ones idle; returns how many changes were published."""
        now = self.clock()
        self._written = {key: w for key, w in self._written.items() if now - w[0] < self.write_every}
        changes = 0
        for project_id, user_id in await self.store.stale(now - self.policy.offline_after):
            entry = await self.store.get(project_id, user_id)
            # Only the process whose remove wins publishes, so the team hears "offline" once.
            if await self.store.remove(project_id, user_id):
                gone = PresenceEntry(user_id=user_id, state="offline", last_seen=entry.last_seen if entry else 0.0)
                await self.bus.publish(project_channel(project_id), presence_event(project_id, gone))
                changes += 1
        for project_id in await self.store.projects():
            for entry in await self.store.project(project_id):
                refreshed = self.policy.refresh(entry, now)
                if refreshed is not entry and refreshed.state != "offline":
                    await self.store.put(project_id, refreshed)
                    await self.bus.publish(project_channel(project_id), presence_event(project_id, refreshed))
                    changes += 1
        return changes

    async def view(self, project_id: str) -> list[PresenceEntry]:
        """The project's members as everyone sees them now (offline ones that were not swept yet included)."""
        now = self.clock()
        return [self.policy.refresh(entry, now) for entry in await self.store.project(project_id)]
