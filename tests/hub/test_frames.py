"""Our frame headers are byte for byte what aiohttp's own writer puts on the wire, at every length boundary."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import WSMsgType
from aiohttp._websocket.writer import WebSocketWriter

from backend.hub.frames import text_header


class Wire:
    """The transport half that aiohttp's writer needs: it records what is written."""

    def __init__(self) -> None:
        self.data = b""

    def write(self, data: bytes) -> None:
        self.data += bytes(data)

    def is_closing(self) -> bool:
        return False

    def get_write_buffer_size(self) -> int:
        return 0


class Protocol:
    transport: Any = None
    _paused = False


@pytest.mark.parametrize("length", [0, 1, 125, 126, 127, 65_535, 65_536, 200_000])
async def test_text_frames_match_aiohttp(length: int) -> None:
    payload = b"x" * length
    wire = Wire()
    protocol = Protocol()
    protocol.transport = wire
    await WebSocketWriter(protocol, wire, use_mask=False).send_frame(payload, WSMsgType.TEXT)  # type: ignore[arg-type]
    assert text_header(length) + payload == wire.data
