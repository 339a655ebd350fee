"""The event stream's pump and framing, driven by a fake subscription: no server, no bus."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import orjson

from backend.api.events_views import pump
from backend.domain.event_stream import KEEPALIVE, ChannelChange, channel_change, sse_frame
from backend.events import encode_event, project_channel

TIMEOUT = 5


class FakeSubscription:
    def __init__(self) -> None:
        self.queue: asyncio.Queue[tuple[str, bytes] | None] = asyncio.Queue()
        self.channels: list[tuple[str, str]] = []

    async def __aiter__(self) -> AsyncIterator[tuple[str, bytes]]:
        while (item := await self.queue.get()) is not None:
            yield item

    async def add(self, *channels: str) -> None:
        self.channels += [("add", c) for c in channels]

    async def remove(self, *channels: str) -> None:
        self.channels += [("remove", c) for c in channels]

    async def close(self) -> None:
        self.queue.put_nowait(None)

    def listen(self, handler: Callable[[str, bytes], None]) -> None:
        raise NotImplementedError("the pump iterates")


class Recorder:
    def __init__(self) -> None:
        self.frames: asyncio.Queue[bytes] = asyncio.Queue()

    async def write(self, data: bytes) -> None:
        self.frames.put_nowait(data)

    async def next(self) -> bytes:
        return await asyncio.wait_for(self.frames.get(), TIMEOUT)


def test_channel_changes() -> None:
    assert channel_change({"type": "membership.added", "project_id": "p"}) == ChannelChange("add", project_channel("p"))
    assert channel_change({"type": "membership.removed", "project_id": "p"}) == ChannelChange(
        "remove", project_channel("p")
    )
    assert channel_change({"type": "project.deleted", "project_id": "p"}) == ChannelChange(
        "remove", project_channel("p")
    )
    assert channel_change({"type": "project.updated", "project_id": "p"}) is None
    assert channel_change({"type": "membership.added"}) is None


def test_sse_frame_strips_line_breaks_from_the_type() -> None:
    assert sse_frame("a\nb", b"{}") == b"event: ab\ndata: {}\n\n"


async def test_pump_forwards_follows_memberships_and_stops() -> None:
    sub, out, stopping = FakeSubscription(), Recorder(), asyncio.Event()
    task = asyncio.create_task(pump(sub, out.write, stopping=stopping, keepalive=60))
    joined = encode_event("membership.added", {"project_id": "p1"})
    sub.queue.put_nowait(("tandem:user:u", joined))
    assert await out.next() == sse_frame("membership.added", joined)
    assert sub.channels == [("add", project_channel("p1"))]  # subscribed before the frame went out
    left = encode_event("membership.removed", {"project_id": "p1"})
    sub.queue.put_nowait(("tandem:user:u", left))
    frame = await out.next()
    assert orjson.loads(frame.split(b"data: ", 1)[1]) == {"type": "membership.removed", "project_id": "p1"}
    stopping.set()
    await asyncio.wait_for(task, TIMEOUT)
    assert sub.channels[-1] == ("remove", project_channel("p1"))


async def test_pump_sends_keepalives_while_idle_and_ends_with_the_subscription() -> None:
    sub, out = FakeSubscription(), Recorder()
    task = asyncio.create_task(pump(sub, out.write, stopping=asyncio.Event(), keepalive=0.01))
    assert await out.next() == KEEPALIVE
    event = encode_event("project.updated", {"project_id": "p"})
    sub.queue.put_nowait(("c", event))  # the read pending across keep-alives still gets it
    while (frame := await out.next()) == KEEPALIVE:
        pass
    assert frame == sse_frame("project.updated", event)
    await sub.close()
    await asyncio.wait_for(task, TIMEOUT)
