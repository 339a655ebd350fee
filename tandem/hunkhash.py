"""Keyed hashes of changed text: equal changes on two machines match without the text leaving either."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

HASH_CHARS = 32
"""Hex characters kept from the HMAC-SHA256 digest (128 bits)."""


def hunk_hash(key: bytes, lines: Iterable[bytes]) -> str:
    """HMAC-SHA256 of a hunk's new lines with the project's key, hex, first ``HASH_CHARS`` characters.

    Each line's ending (``\\n``, ``\\r\\n`` or none, as on the last line of a file without a final newline) is
    normalised to ``\\n`` before hashing, so a Windows checkout and a Linux one agree. A hunk that only
    deletes has no new lines and hashes the empty text: two identical deletions match.
    """
    mac = hmac.new(key, digestmod=hashlib.sha256)
    for line in lines:
        mac.update(_normalised(line))
    return mac.hexdigest()[:HASH_CHARS]


def text_hash(key: bytes, text: bytes) -> str:
    """The hash of a whole text, as for the single hunk of an added file."""
    return hunk_hash(key, split_lines(text))


def content_hash(key: bytes, chunks: Iterable[bytes], *, binary: bool) -> str:
    """The keyed hash of a whole file's content, for changes reported without hunks (binary, too large).

    Binary content is hashed as it is; text is hashed exactly as ``text_hash`` would hash it (line endings
    normalised to ``\\n``, a final newline implied) but streamed, so a large file is never held in memory.
    """
    mac = hmac.new(key, digestmod=hashlib.sha256)
    if binary:
        for chunk in chunks:
            mac.update(chunk)
        return mac.hexdigest()[:HASH_CHARS]
    carry = b""
    last = b""
    for chunk in chunks:
        data = carry + chunk
        carry = b""
        if data.endswith(b"\r"):  # maybe half of a CRLF split across chunks
            carry, data = b"\r", data[:-1]
        data = data.replace(b"\r\n", b"\n")
        if data:
            mac.update(data)
            last = data[-1:]
    if carry or (last and last != b"\n"):
        mac.update(b"\n")  # a final CR is a line ending too; a missing final newline is implied
    return mac.hexdigest()[:HASH_CHARS]


def split_lines(text: bytes) -> list[bytes]:
    """Lines the way git counts them: split after each ``\\n``; a missing final newline still ends a line."""
    return text.splitlines(keepends=True) if b"\r" not in text else _split_on_newline(text)


def _split_on_newline(text: bytes) -> list[bytes]:
    # bytes.splitlines also breaks on a lone "\r", which git does not count as a line end.
    lines = text.split(b"\n")
    out = [line + b"\n" for line in lines[:-1]]
    if lines[-1]:
        out.append(lines[-1])
    return out


def _normalised(line: bytes) -> bytes:
    if line.endswith(b"\n"):
        line = line[:-1]
    if line.endswith(b"\r"):
        line = line[:-1]
    return line + b"\n"
