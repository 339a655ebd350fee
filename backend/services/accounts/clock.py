"""The injectable clock of the account services, and reading timestamps back from either database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]
"""Returns the current time, timezone-aware; tests pass a fixed or shifted one."""


def system_clock() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """SQLite returns naive datetimes for ``DateTime(timezone=True)``; everything is stored in UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value
