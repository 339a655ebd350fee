"""Bus channels and event encoding: what services publish and what the real-time hub relays."""

from __future__ import annotations

from typing import Any

import orjson

from backend.ports import EventBus

BROADCAST_CHANNEL = "tandem:broadcast"
"""Followed by every backend process, whoever is connected to it (session revocations, for example)."""


def project_channel(project_id: str) -> str:
    return f"tandem:project:{project_id}"


def user_channel(user_id: str) -> str:
    return f"tandem:user:{user_id}"


def encode_event(event_type: str, payload: dict[str, Any]) -> bytes:
    """Encode an event once, so every receiver gets the same bytes."""
    return orjson.dumps({"type": event_type, **payload})


def decode_event(data: bytes) -> dict[str, Any]:
    event: dict[str, Any] = orjson.loads(data)
    return event


async def publish(bus: EventBus, channel: str, event_type: str, **payload: Any) -> None:
    await bus.publish(channel, encode_event(event_type, payload))
