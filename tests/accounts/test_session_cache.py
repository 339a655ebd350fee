"""The live-session cache: trusted for a bounded time, forgotten at revocation, never revived by a stale read."""

from __future__ import annotations

from datetime import UTC, datetime

from backend.services.accounts.session_cache import SessionCache

EXPIRES = datetime(2030, 1, 1, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_an_entry_is_trusted_for_the_ttl_then_asked_again() -> None:
    clock = Clock()
    cache = SessionCache(30, clock=clock)
    cache.remember("s1", "u1", EXPIRES, cache.started())
    assert cache.live("s1", "u1") == EXPIRES
    clock.now += 31
    assert cache.live("s1", "u1") is None


def test_an_entry_only_answers_for_its_own_user() -> None:
    cache = SessionCache(30)
    cache.remember("s1", "u1", EXPIRES, cache.started())
    assert cache.live("s1", "u2") is None


def test_forgetting_takes_effect_at_once() -> None:
    cache = SessionCache(30)
    cache.remember("s1", "u1", EXPIRES, cache.started())
    cache.forget(["s1"])
    assert cache.live("s1", "u1") is None


def test_a_read_that_began_before_a_revocation_does_not_bring_the_session_back() -> None:
    clock = Clock()
    cache = SessionCache(30, clock=clock)
    started = cache.started()  # a request reads the session (still live in the database) ...
    clock.now += 0.001
    cache.forget(["s1"])  # ... while another process revokes it and says so
    clock.now += 0.001
    cache.remember("s1", "u1", EXPIRES, started)
    assert cache.live("s1", "u1") is None
    cache.remember("s1", "u1", EXPIRES, cache.started())  # a read after the revocation is believed
    assert cache.live("s1", "u1") == EXPIRES


def test_the_cache_is_bounded_and_drops_the_oldest() -> None:
    cache = SessionCache(30, maxsize=2)
    for n in range(3):
        cache.remember(f"s{n}", "u", EXPIRES, cache.started())
    assert len(cache) == 2
    assert cache.live("s0", "u") is None
    assert cache.live("s2", "u") == EXPIRES


def test_a_zero_ttl_caches_nothing() -> None:
    cache = SessionCache(0)
    cache.remember("s1", "u1", EXPIRES, cache.started())
    assert cache.live("s1", "u1") is None
