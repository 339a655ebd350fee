"""Presence reports that change nothing teammates see are not written again and again, and lose nothing."""

from __future__ import annotations

import pytest

from backend.bus.memory import MemoryBus
from backend.presence.model import PresenceEntry, PresencePolicy
from backend.presence.service import PresenceService
from backend.presence.stores import MemoryPresenceStore


class CountingStore(MemoryPresenceStore):
    def __init__(self) -> None:
        super().__init__()
        self.puts = 0

    async def put(self, project_id: str, entry: PresenceEntry) -> None:
        self.puts += 1
        await super().put(project_id, entry)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _service(store: MemoryPresenceStore, clock: Clock) -> PresenceService:
    return PresenceService(store, MemoryBus(), PresencePolicy(idle_after=300, offline_after=60), clock=clock)


async def test_repeated_activity_is_written_once_until_something_visible_changes() -> None:
    store, clock = CountingStore(), Clock()
    presence = _service(store, clock)
    assert presence.write_every == 10.0
    for _ in range(5):  # an editor reporting activity every second, same branch and file
        await presence.report("u1", ["p"], active=True, branch="main", file="a.py")
        clock.now += 1
    assert store.puts == 1
    await presence.report("u1", ["p"], active=True, branch="main", file="b.py")  # teammates see the new file
    assert store.puts == 2
    assert (await store.get("p", "u1")) is not None
    clock.now += presence.write_every  # the entry is refreshed well before anyone would think the member idle
    await presence.report("u1", ["p"], active=True, branch="main", file="b.py")
    assert store.puts == 3
    entry = await store.get("p", "u1")
    assert entry is not None
    assert (entry.last_seen, entry.last_active) == (clock.now, clock.now)


async def test_a_status_set_through_another_process_is_not_overwritten_by_skipped_reports() -> None:
    store, clock = CountingStore(), Clock()
    first, second = _service(store, clock), _service(store, clock)  # two backend processes, one store
    await first.report("u1", ["p"], active=True, branch="main", file="a.py")
    await second.report("u1", ["p"], active=False, away=True)  # "away" set from the browser
    clock.now += 1
    await first.report("u1", ["p"], active=True, branch="main", file="a.py")
    entry = await store.get("p", "u1")
    assert entry is not None
    assert entry.state == "away"
    clock.now += first.write_every  # when the first process writes again, it starts from the store's entry
    await first.report("u1", ["p"], active=True, branch="main", file="a.py")
    entry = await store.get("p", "u1")
    assert entry is not None
    assert (entry.state, entry.last_seen) == ("away", clock.now)


async def test_coming_back_is_written_even_when_this_process_never_saw_the_user_away() -> None:
    store, clock = CountingStore(), Clock()
    first, second = _service(store, clock), _service(store, clock)
    await first.report("u1", ["p"], active=True, branch="main", file="a.py")
    await second.report("u1", ["p"], active=False, away=True)
    clock.now += 1
    await first.report("u1", ["p"], active=True, away=False)  # "active" set through the first process
    entry = await store.get("p", "u1")
    assert entry is not None
    assert entry.state == "online"


async def test_activity_after_a_quiet_spell_undoes_an_idle_shown_by_another_process() -> None:
    store, clock = CountingStore(), Clock()
    first, second = _service(store, clock), _service(store, clock)
    started = clock.now
    await first.report("u1", ["p"], active=True, branch="main", file="a.py")
    for at in (*range(20, 300, 20), 295):  # heartbeats, no typing
        clock.now = started + at
        await first.report("u1", ["p"], active=False)
    clock.now = started + 301  # five quiet minutes: the second process's sweep shows the user idle
    assert await second.sweep() == 1
    entry = await store.get("p", "u1")
    assert entry is not None
    assert entry.state == "idle"
    clock.now = started + 302  # typing again, 7 s after the first process last wrote the entry as online
    await first.report("u1", ["p"], active=True, branch="main", file="a.py")
    entry = await store.get("p", "u1")
    assert entry is not None
    assert entry.state == "online"


async def test_the_window_stays_inside_short_offline_and_idle_settings() -> None:
    presence = PresenceService(
        MemoryPresenceStore(), MemoryBus(), PresencePolicy(idle_after=30, offline_after=1.2), clock=Clock()
    )
    assert presence.write_every == pytest.approx(0.2)
    presence = PresenceService(
        MemoryPresenceStore(), MemoryBus(), PresencePolicy(idle_after=1.2, offline_after=60), clock=Clock()
    )
    assert presence.write_every == pytest.approx(0.2)  # or a sweep could show an active member idle
