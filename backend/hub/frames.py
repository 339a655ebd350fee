"""Server-to-client WebSocket frames (RFC 6455 section 5.2): final, unmasked, uncompressed text frames and pings."""

from __future__ import annotations

import struct

_LEN16 = struct.Struct("!BBH").pack
_LEN64 = struct.Struct("!BBQ").pack
_FIN_TEXT = 0x81


def text_header(length: int) -> bytes:
    """The header that precedes a text payload of ``length`` bytes (a server never masks)."""
    if length < 126:
        return bytes((_FIN_TEXT, length))
    if length < 1 << 16:
        return _LEN16(_FIN_TEXT, 126, length)
    return _LEN64(_FIN_TEXT, 127, length)


PING = bytes((0x89, 0))
"""A whole ping frame with no payload: the client's WebSocket answers it with a pong."""
