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
