"""Frames on the wire: our headers are byte for byte aiohttp's, and a turn of the loop costs at most two writes."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest
from aiohttp import WSMsgType
from aiohttp._websocket.writer import WebSocketWriter

from backend.hub.connection import Connection
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


class Recorder(Wire):
    """A transport that keeps each write call apart, to count system calls."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []

    def writelines(self, parts: Any) -> None:
        self.writes.append(b"".join(bytes(p) for p in parts))


def _connection(transport: Recorder) -> Connection:
    settings = SimpleNamespace(ws_rate=100.0, ws_burst=100, ws_send_buffer_bytes=1 << 20)
    request = SimpleNamespace(transport=transport, remote="127.0.0.1")
    return Connection(SimpleNamespace(settings=settings), None, request, None)  # type: ignore[arg-type]


async def test_an_event_from_elsewhere_leaves_at_once_and_the_rest_of_the_turn_together() -> None:
    transport = Recorder()
    conn = _connection(transport)
    conn.send(b"first")
    assert transport.writes == [text_header(5) + b"first"]  # not held back for the rest of the turn
    conn.send(b"second")
    conn.send(b"third")
    assert len(transport.writes) == 1
    await asyncio.sleep(0)  # the turn ends
    assert transport.writes[1:] == [text_header(6) + b"second" + text_header(5) + b"third"]
    conn.send(b"next turn")
    assert transport.writes[2:] == [text_header(9) + b"next turn"]


async def test_replies_to_a_connections_own_commands_leave_together_at_the_end_of_the_turn() -> None:
    transport = Recorder()
    conn = _connection(transport)
    conn.dispatching = True  # as Connection.serve sets it around each of its commands
    conn.send(b"reply 1")
    conn.send(b"reply 2")
    assert transport.writes == []
    await asyncio.sleep(0)
    assert transport.writes == [text_header(7) + b"reply 1" + text_header(7) + b"reply 2"]
