"""Sessions recently confirmed live by the database, so a request or WebSocket handshake costs no query.

An entry is trusted for ``ttl`` seconds at most. Revocation drops entries at once in the process that
revokes, and in every other process as the ``session.revoked`` broadcast arrives; the TTL bounds what a
lost broadcast (Redis away at that moment) could leave behind.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class _Entry:
    user_id: str
    expires_at: datetime
    """When the session itself ends (its refresh family's lifetime)."""
    checked: float
    """Monotonic time of the database read this entry came from."""


class SessionCache:
    """A bounded, time-limited map of live sessions: session id -> (user, session expiry)."""

    def __init__(self, ttl: float, *, maxsize: int = 100_000, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.maxsize = maxsize
        self.clock = clock
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._forgotten: OrderedDict[str, float] = OrderedDict()
        """Revoked ids and when: a read that started before the revocation must not bring the session back."""
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def live(self, session_id: str, user_id: str) -> datetime | None:
        """The session's expiry if it was confirmed live within the TTL for this user; else None (ask the database)."""
        entry = self._entries.get(session_id)
        if entry is None or entry.user_id != user_id or self.clock() - entry.checked > self.ttl:
            self.misses += 1
            return None
        self.hits += 1
        return entry.expires_at

    def started(self) -> float:
        """Call before reading the database; pass the result to :meth:`remember`."""
        return self.clock()

    def remember(self, session_id: str, user_id: str, expires_at: datetime, read_started: float) -> None:
        """Keep what a database read found live, unless the session was revoked since the read began."""
        if self.ttl <= 0:
            return
        revoked_at = self._forgotten.get(session_id)
        if revoked_at is not None and revoked_at >= read_started:
            return
        self._entries[session_id] = _Entry(user_id, expires_at, read_started)
        self._entries.move_to_end(session_id)
        while len(self._entries) > self.maxsize:
            self._entries.popitem(last=False)

    def forget(self, session_ids: Iterable[str]) -> None:
        now = self.clock()
        while self._forgotten and now - next(iter(self._forgotten.values())) > self.ttl:
            self._forgotten.popitem(last=False)
        for session_id in session_ids:
            self._entries.pop(session_id, None)
            self._forgotten[session_id] = now
            self._forgotten.move_to_end(session_id)
