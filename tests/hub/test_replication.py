"""Replication between processes' activity services: others apply a report; its origin skips it undecoded."""

from __future__ import annotations

import asyncio

import pytest

from backend.activity import workcopies as wire
from backend.activity.service import ActivityService
from backend.activity.states import NoStates
from backend.bus.memory import MemoryBus
from backend.conflicts.model import Participant
from backend.errors import Invalid, Unavailable
from tandem.protocol import FileChange, Hunk
from tests.hub.bare import bare_activity, one_line_change, report_through


def _service(bus: MemoryBus, process_id: str) -> ActivityService:
    return bare_activity(bus, NoStates(), process_id=process_id, replicate=True)


async def test_a_report_reaches_the_other_process_and_not_its_own_twice() -> None:
    bus = MemoryBus()
    here, there = _service(bus, "here"), _service(bus, "there")
    subscription = await bus.subscribe("tandem:activity")
    alice = Participant("alice", "wc")
    change = one_line_change("a.py", 1)
    await report_through(here, "alice", change)
    _channel, data = await asyncio.wait_for(anext(aiter(subscription)), 5)
    assert data.startswith(wire.origin_prefix("here"))

    there.replay(data)
    assert there.workcopies[alice].files["a.py"] == change
    assert alice not in there.owners  # reported elsewhere: this process does not own it

    # Back at its origin the message is recognised by its first bytes and never decoded.
    here.replay(wire.origin_prefix("here") + b"not even JSON")
    assert here.workcopies[alice].seq == 1
    await subscription.close()


async def test_a_replicated_finding_goes_only_to_people_connected_here() -> None:
    bus = MemoryBus()
    origin = _service(bus, "origin")
    subscription = await bus.subscribe("tandem:activity")
    for user in ("alice", "carol"):  # both report overlapping edits through the origin process
        await report_through(origin, user, one_line_change("a.py", 1))
    messages = [(await asyncio.wait_for(anext(aiter(subscription)), 5))[1] for _ in range(2)]
    await subscription.close()

    sent: list[tuple[str, bytes]] = []
    elsewhere = bare_activity(
        bus,
        NoStates(),
        process_id="elsewhere",
        replicate=True,
        deliver=lambda *a: sent.append(a),
        here=lambda _u: False,
    )
    carols = bare_activity(
        bus,
        NoStates(),
        process_id="carols",
        replicate=True,
        deliver=lambda *a: sent.append(a),
        here=lambda u: u == "carol",
    )
    for service in (elsewhere, carols):
        for data in messages:
            service.replay(data)
    assert len(elsewhere.engine.findings_for(Participant("alice", "wc"))) == 1  # the finding is known everywhere
    assert [user for user, _data in sent] == ["carol"]  # and sent only where one of its people is connected


async def test_a_finding_resolved_through_another_process_is_not_remembered_here() -> None:
    bus = MemoryBus()
    first, second = _service(bus, "first"), _service(bus, "second")
    subscription = await bus.subscribe("tandem:activity")

    await report_through(first, "alice", one_line_change("a.py", 1))
    await report_through(first, "bob", one_line_change("a.py", 1))
    assert first.recorder.tracked == 1  # the finding opened through the first process, which records it
    for _ in range(2):
        await asyncio.wait_for(anext(aiter(subscription)), 5)
    await report_through(second, "bob")  # bob reconnects to the second process with nothing changed: it resolves there
    _channel, data = await asyncio.wait_for(anext(aiter(subscription)), 5)
    first.replay(data)
    assert first.engine.findings_for(Participant("alice", "wc")) == []
    assert first.recorder.tracked == 0
    await subscription.close()


async def test_an_update_is_replicated_before_this_process_applies_it() -> None:
    # The other processes compare while this one does: at the moment the message leaves, nothing of the
    # update has been applied here yet.
    bus = MemoryBus()
    origin = _service(bus, "origin")
    alice = Participant("alice", "wc")
    owner = object()
    await report_through(origin, "alice", owner=owner)
    seen: list[int] = []
    publish = origin.bus.publish

    async def watching(channel: str, data: bytes) -> None:
        seen.append(origin.workcopies[alice].seq)
        await publish(channel, data)

    origin.bus.publish = watching  # type: ignore[method-assign]
    assert await origin.update(owner, alice, seq=2, changed=(one_line_change("a.py", 1),), removed=(), focus=None)
    assert seen == [1]
    assert origin.workcopies[alice].seq == 2


async def test_an_update_with_overlapping_hunks_is_refused_and_leaves_nothing_behind() -> None:
    bus = MemoryBus()
    origin = _service(bus, "origin")
    subscription = await bus.subscribe("tandem:activity")
    alice = Participant("alice", "wc")
    owner = object()
    await report_through(origin, "alice", owner=owner)
    await asyncio.wait_for(anext(aiter(subscription)), 5)  # the snapshot's own message
    overlapping = FileChange(
        path="a.py",
        status="modified",
        hunks=(
            Hunk(base_start=3, base_lines=2, new_start=3, new_lines=2),
            Hunk(base_start=4, base_lines=1, new_start=4, new_lines=1),
        ),
    )
    with pytest.raises(Invalid, match="overlap"):
        await origin.update(owner, alice, seq=2, changed=(overlapping,), removed=(), focus=None)
    workcopy = origin.workcopies[alice]
    assert (workcopy.seq, workcopy.files) == (1, {})  # neither kept here
    with pytest.raises(TimeoutError):  # nor replicated
        await asyncio.wait_for(anext(aiter(subscription)), 0.2)
    # The same sequence number is still free for a good update.
    assert await origin.update(owner, alice, seq=2, changed=(one_line_change("a.py", 1),), removed=(), focus=None)
    await subscription.close()


async def test_a_report_the_bus_cannot_take_is_refused_as_unavailable_and_nothing_is_kept() -> None:
    bus = MemoryBus()
    origin = _service(bus, "origin")
    alice = Participant("alice", "wc")
    owner = object()

    async def away(channel: str, data: bytes) -> None:
        raise ConnectionError(f"Redis went away; {len(data)} bytes for {channel} not sent")

    working = bus.publish
    origin.bus.publish = away  # type: ignore[method-assign]
    with pytest.raises(Unavailable):
        await report_through(origin, "alice", owner=owner)
    assert alice not in origin.workcopies
    assert alice not in origin.owners
    origin.bus.publish = working  # type: ignore[method-assign]
    await report_through(origin, "alice", owner=owner)
    origin.bus.publish = away  # type: ignore[method-assign]
    with pytest.raises(Unavailable):
        await origin.update(owner, alice, seq=2, changed=(one_line_change("a.py", 1),), removed=(), focus=None)
    workcopy = origin.workcopies[alice]
    assert (workcopy.seq, workcopy.files) == (1, {})
    assert origin.engine.touching("r", "a.py") == []
