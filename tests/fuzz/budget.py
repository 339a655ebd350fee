"""How much fuzzing a run does (bounded, deterministic, or as the environment says) and running it beside the app."""

# TANDEM_FUZZ_SCALE multiplies every example count (and the tests' time limits); TANDEM_FUZZ_SEED draws another
# sequence of examples, from that seed, than the fixed one CI uses.

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, TypeVar

from hypothesis import HealthCheck, seed, settings

T = TypeVar("T")
SCALE = float(os.environ.get("TANDEM_FUZZ_SCALE", "1"))
SEED = os.environ.get("TANDEM_FUZZ_SEED") or None
TIMEOUT = 60 * max(1.0, SCALE)
"""Seconds a fuzz test may take, for ``pytest.mark.timeout``."""


def examples(count: int) -> int:
    return max(1, round(count * SCALE))


def fuzzed(count: int) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Hypothesis settings for a fuzz run of ``count`` examples (times the scale)."""

    def decorate(test: Callable[..., None]) -> Callable[..., None]:
        configured = settings(
            max_examples=examples(count),
            deadline=None,
            derandomize=SEED is None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
        )(test)
        return configured if SEED is None else seed(int(SEED))(configured)

    return decorate


async def run_examples(test: Callable[[], None]) -> None:
    """Run a synchronous Hypothesis test in a worker thread, so the app keeps serving on this loop."""
    await asyncio.to_thread(test)


def on_loop(loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, T], timeout: float = 30) -> T:
    """From the worker thread: run ``coro`` on the app's loop and wait for its result."""
    return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout)


# Ours only: aiohttp.server logs its own failure to drain an undecodable body after the 400 has gone out
# (see docs/testing.md), which no handler can prevent.
_WATCHED_LOGGERS = ("backend", "tandem")


def logged_errors(records: Sequence[logging.LogRecord]) -> list[str]:
    """Errors our code logged (``caplog.records``): each one is a bug the replies may not show."""
    return [
        f"{r.name}: {r.getMessage()}"
        for r in records
        if r.levelno >= logging.ERROR and r.name.startswith(_WATCHED_LOGGERS)
    ]
