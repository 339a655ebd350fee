"""Redis fixed-window counters, shared by every backend process (scale-out mode)."""

from __future__ import annotations

from redis.asyncio import Redis

from backend.ports import Hit

_PREFIX = "tandem:count:"


class RedisCounters:
    """Implements :class:`backend.ports.Counters` with INCR and a key expiry per window."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def hit(self, key: str, *, limit: int, window: int) -> Hit:
        name = _PREFIX + key
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, window, nx=True)
            pipe.ttl(name)
            count, _, ttl = await pipe.execute()
        return Hit(int(count), int(count) <= limit, max(1, int(ttl)))

    async def peek(self, key: str, *, limit: int) -> Hit:
        name = _PREFIX + key
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.get(name)
            pipe.ttl(name)
            raw, ttl = await pipe.execute()
        count = int(raw or 0)
        return Hit(count, count < limit, max(1, int(ttl)) if count else 0)

    async def reset(self, key: str) -> None:
        await self._redis.delete(_PREFIX + key)
