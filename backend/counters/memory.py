"""In-process fixed-window counters (embedded mode)."""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable

from backend.ports import Hit


class MemoryCounters:
    """Implements :class:`backend.ports.Counters` in a dict; expired windows are swept lazily.

    At most ``max_keys`` windows are kept: when full of live windows (a flood of distinct keys), the oldest
    tenth is forgotten, which only makes those keys' limits lenient, never memory unbounded.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic, *, max_keys: int = 100_000) -> None:
        self._clock = clock
        self._max_keys = max_keys
        self._windows: dict[str, tuple[float, int]] = {}

    def _current(self, key: str) -> tuple[float, int] | None:
        entry = self._windows.get(key)
        if entry is not None and entry[0] <= self._clock():
            del self._windows[key]
            return None
        return entry

    def _make_room(self) -> None:
        now = self._clock()
        for key in [k for k, (expires, _) in self._windows.items() if expires <= now]:
            del self._windows[key]
        if len(self._windows) >= self._max_keys:
            # Dicts keep insertion order, and a window keeps its slot while it is counted: oldest first.
            for key in list(itertools.islice(self._windows, max(1, self._max_keys // 10))):
                del self._windows[key]

    def __len__(self) -> int:
        return len(self._windows)

    async def hit(self, key: str, *, limit: int, window: int) -> Hit:
        entry = self._current(key)
        now = self._clock()
        if entry is None:
            if len(self._windows) >= self._max_keys:
                self._make_room()
            entry = (now + window, 0)
        expires, count = entry[0], entry[1] + 1
        self._windows[key] = (expires, count)
        return Hit(count, count <= limit, max(1, math.ceil(expires - now)))

    async def peek(self, key: str, *, limit: int) -> Hit:
        entry = self._current(key)
        if entry is None:
            return Hit(0, True, 0)
        return Hit(entry[1], entry[1] < limit, max(1, math.ceil(entry[0] - self._clock())))

    async def reset(self, key: str) -> None:
        self._windows.pop(key, None)
