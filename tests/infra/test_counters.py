"""Both counter stores keep the same fixed-window contract: limits, windows, peek and reset."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from backend.counters.memory import MemoryCounters
from backend.counters.redis import RedisCounters
from backend.ports import Counters


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def redis_client(redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(redis_url)
    yield client
    await client.aclose()


@pytest.fixture(params=["memory", "redis"])
def counters(request: pytest.FixtureRequest, clock: FakeClock) -> Counters:
    if request.param == "memory":
        return MemoryCounters(clock)
    return RedisCounters(request.getfixturevalue("redis_client"))


def key() -> str:
    return f"test:{uuid.uuid4().hex}"


async def test_allows_up_to_the_limit(counters: Counters) -> None:
    k = key()
    hits = [await counters.hit(k, limit=3, window=60) for _ in range(4)]
    assert [h.count for h in hits] == [1, 2, 3, 4]
    assert [h.allowed for h in hits] == [True, True, True, False]
    assert all(1 <= h.retry_after <= 60 for h in hits)


async def test_keys_are_counted_apart(counters: Counters) -> None:
    a, b = key(), key()
    await counters.hit(a, limit=1, window=60)
    assert (await counters.hit(b, limit=1, window=60)).allowed


async def test_peek_does_not_count(counters: Counters) -> None:
    k = key()
    fresh = await counters.peek(k, limit=2)
    assert (fresh.count, fresh.allowed, fresh.retry_after) == (0, True, 0)
    await counters.hit(k, limit=2, window=60)
    assert (await counters.peek(k, limit=2)).allowed
    await counters.hit(k, limit=2, window=60)
    at_limit = await counters.peek(k, limit=2)
    assert (at_limit.count, at_limit.allowed) == (2, False)
    assert 1 <= at_limit.retry_after <= 60
    assert (await counters.peek(k, limit=2)).count == 2


async def test_reset_clears_the_window(counters: Counters) -> None:
    k = key()
    for _ in range(3):
        await counters.hit(k, limit=1, window=60)
    await counters.reset(k)
    hit = await counters.hit(k, limit=1, window=60)
    assert (hit.count, hit.allowed) == (1, True)


async def test_memory_window_ends_and_is_not_extended(clock: FakeClock) -> None:
    counters, k = MemoryCounters(clock), key()
    await counters.hit(k, limit=1, window=60)
    clock.now += 50
    later = await counters.hit(k, limit=1, window=60)
    assert (later.allowed, later.retry_after) == (False, 10)
    clock.now += 10
    assert (await counters.peek(k, limit=1)).count == 0
    assert (await counters.hit(k, limit=1, window=60)).allowed


async def test_redis_window_ends_and_is_not_extended(redis_client: Redis) -> None:
    redis, counters, k = redis_client, RedisCounters(redis_client), key()
    name = f"tandem:count:{k}"
    await counters.hit(k, limit=1, window=60)
    assert 0 < await redis.ttl(name) <= 60
    await redis.expire(name, 5)  # as if 55 s had passed
    later = await counters.hit(k, limit=1, window=60)
    assert not later.allowed
    assert later.retry_after <= 5
    await redis.pexpireat(name, 1)  # a deadline in the past: the window is over
    assert (await counters.peek(k, limit=1)).count == 0
    assert (await counters.hit(k, limit=1, window=60)).allowed
    await counters.reset(k)


async def test_memory_counters_stay_bounded(clock: FakeClock) -> None:
    counters = MemoryCounters(clock, max_keys=100)
    for n in range(1000):
        await counters.hit(f"flood:{n}", limit=5, window=60)
    assert len(counters) <= 100
    # Expired windows go first, before any live one is forgotten.
    clock.now += 61
    live = key()
    await counters.hit(live, limit=5, window=60)
    for n in range(50):
        await counters.hit(f"more:{n}", limit=5, window=60)
    assert (await counters.peek(live, limit=5)).count == 1
