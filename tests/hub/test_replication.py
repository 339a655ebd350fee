"""Replication between processes' activity services: others apply a report; its origin skips it undecoded."""

from __future__ import annotations

import asyncio

from backend.activity import workcopies as wire
from backend.activity.service import ActivityService
from backend.activity.states import NoStates
from backend.bus.memory import MemoryBus
from backend.conflicts.model import Participant
from tests.hub.bare import bare_activity, one_line_change


def _service(bus: MemoryBus, process_id: str) -> ActivityService:
    return bare_activity(bus, NoStates(), process_id=process_id, replicate=True)


async def test_a_report_reaches_the_other_process_and_not_its_own_twice() -> None:
    bus = MemoryBus()
    here, there = _service(bus, "here"), _service(bus, "there")
    subscription = await bus.subscribe("tandem:activity")
    alice = Participant("alice", "wc")
    change = one_line_change("a.py", 1)
    await here.snapshot(
        object(),
        alice,
        project_id="p",
        repository_id="r",
        branch="b",
        head="h",
        base="x",
        seq=1,
        files=(change,),
        focus=None,
    )
    _channel, data = await asyncio.wait_for(anext(aiter(subscription)), 5)
    assert data.startswith(wire.origin_prefix("here"))

    await there.replay(data)
    assert there.workcopies[alice].files["a.py"] == change
    assert alice not in there.owners  # reported elsewhere: this process does not own it

    # Back at its origin the message is recognised by its first bytes and never decoded.
    await here.replay(wire.origin_prefix("here") + b"not even JSON")
    assert here.workcopies[alice].seq == 1
    await subscription.close()
