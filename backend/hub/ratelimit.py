"""A token bucket per connection: a sustained rate with a burst allowance, cheap enough for every frame."""

from __future__ import annotations


class TokenBucket:
    __slots__ = ("_burst", "_rate", "_stamp", "_tokens", "rejected")

    def __init__(self, rate: float, burst: int, now: float) -> None:
        self._rate = rate
        self._burst = float(burst)
        self._tokens = float(burst)
        self._stamp = now
        self.rejected = 0
        """Messages refused since the bucket last had room; past a limit the connection is closed."""

    def take(self, now: float) -> bool:
        tokens = min(self._burst, self._tokens + (now - self._stamp) * self._rate)
        self._stamp = now
        if tokens >= 1.0:
            self._tokens = tokens - 1.0
            self.rejected = 0
            return True
        self._tokens = tokens
        self.rejected += 1
        return False
