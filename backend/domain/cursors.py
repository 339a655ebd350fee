"""Opaque keyset-pagination cursors: the sort key of the last item of a page, encoded for a URL."""

from __future__ import annotations

import base64
import binascii

import orjson

from backend.errors import Invalid


def encode_cursor(*key: str) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(list(key))).decode().rstrip("=")


def decode_cursor(cursor: str, *, size: int) -> tuple[str, ...]:
    """The key ``encode_cursor`` was given; Invalid if ``cursor`` was not made by it with ``size`` parts."""
    try:
        key = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError) as err:
        raise Invalid("invalid cursor: pass the next_cursor of the previous page", code="invalid_cursor") from err
    if not isinstance(key, list) or len(key) != size or not all(isinstance(part, str) for part in key):
        raise Invalid("invalid cursor: pass the next_cursor of the previous page", code="invalid_cursor")
    return tuple(key)
