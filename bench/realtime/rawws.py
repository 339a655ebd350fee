"""A minimal WebSocket client on asyncio streams, for holding thousands of idle connections cheaply.

aiohttp's client spends about a millisecond of CPU on each handshake; with thousands of them the load
generators, not the server, would set the handshake rate. This one writes the upgrade request and the
frames by hand (RFC 6455: masked client frames, a zero mask, which servers accept as any other).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
from typing import Any

import orjson

_MASK = b"\x00\x00\x00\x00"
TEXT, CLOSE, PING, PONG = 0x1, 0x8, 0x9, 0xA


def frame(payload: bytes, opcode: int = TEXT) -> bytes:
    n = len(payload)
    if n < 126:
        head = bytes((0x80 | opcode, 0x80 | n))
    elif n < 1 << 16:
        head = bytes((0x80 | opcode, 0x80 | 126)) + n.to_bytes(2, "big")
    else:
        head = bytes((0x80 | opcode, 0x80 | 127)) + n.to_bytes(8, "big")
    return head + _MASK + payload


class RawLink:
    """One client connection: replies answer :meth:`request`; events are counted and dropped."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.pending: asyncio.Future[bytes] | None = None
        self.replies = self.events = self.errors = self.sent = 0
        self.closed = False
        self.task = asyncio.create_task(self._read())

    @classmethod
    async def open(cls, url: str, token: str | None) -> RawLink:
        """``url`` is ``ws://host:port/path``."""
        hostport, _, path = url.removeprefix("ws://").partition("/")
        host, _, port = hostport.partition(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        key = base64.b64encode(os.urandom(16)).decode()
        auth = f"Authorization: Bearer {token}\r\n" if token else ""
        writer.write(
            f"GET /{path} HTTP/1.1\r\nHost: {hostport}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n{auth}\r\n".encode()
        )
        head = await reader.readuntil(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 101"):
            writer.close()
            status = head.split(b"\r\n", 1)[0].decode(errors="replace")
            raise ConnectionError(f"upgrade refused: {status}")
        return cls(reader, writer)

    async def _read(self) -> None:
        reader = self.reader
        try:
            while True:
                b0, b1 = await reader.readexactly(2)
                n = b1 & 0x7F
                if n == 126:
                    n = int.from_bytes(await reader.readexactly(2), "big")
                elif n == 127:
                    n = int.from_bytes(await reader.readexactly(8), "big")
                payload = await reader.readexactly(n)
                opcode = b0 & 0x0F
                if opcode == PING:
                    self.writer.write(frame(payload, PONG))
                elif opcode == CLOSE:
                    return
                elif payload.startswith(b'{"id"'):
                    self.replies += 1
                    if b'"ok":false' in payload[:40]:
                        self.errors += 1
                    pending, self.pending = self.pending, None
                    if pending is not None and not pending.done():
                        pending.set_result(payload)
                else:
                    self.events += 1
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        finally:
            self.closed = True
            if self.pending is not None and not self.pending.done():
                self.pending.set_exception(ConnectionError("connection closed"))

    async def request(self, message: dict[str, Any]) -> dict[str, Any]:
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self.pending = future
        self.writer.write(frame(orjson.dumps({"id": 1, **message})))
        reply: dict[str, Any] = orjson.loads(await asyncio.wait_for(future, 60))
        if not reply.get("ok"):
            raise RuntimeError(f"{message['type']} failed: {reply}")
        return reply

    async def close(self) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            self.writer.write(frame(b"\x03\xe8", CLOSE))
            self.writer.close()
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)
