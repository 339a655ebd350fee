"""The event stream's rules without I/O: which channels a user follows and how events are framed as SSE."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import orjson

from backend.events import project_channel

KEEPALIVE = b": keep-alive\n\n"

# Personal events on a user's channel that change which project channels their stream follows.
_JOINS = frozenset({"membership.added"})
_LEAVES = frozenset({"membership.removed"})


@dataclass(frozen=True, slots=True)
class ChannelChange:
    op: Literal["add", "remove"]
    channel: str


def channel_change(event: dict[str, Any]) -> ChannelChange | None:
    """What a forwarded event means for the stream's subscriptions, if anything."""
    kind = event.get("type")
    project_id = event.get("project_id")
    if not isinstance(project_id, str):
        return None
    if kind in _JOINS:
        return ChannelChange("add", project_channel(project_id))
    if kind in _LEAVES or kind == "project.deleted":
        return ChannelChange("remove", project_channel(project_id))
    return None


def sse_frame(event_type: str, data: bytes) -> bytes:
    """One Server-Sent Event; ``data`` is compact JSON, so it holds no newline."""
    name = "".join(ch for ch in event_type if ch.isprintable())
    return b"event: " + name.encode() + b"\ndata: " + data + b"\n\n"


def ready_frame(channels: list[str]) -> bytes:
    return sse_frame("ready", orjson.dumps({"type": "ready", "channels": channels}))
