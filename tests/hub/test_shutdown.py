"""Shutdown of a hub: background loops end even when a library swallowed their first cancellation."""

from __future__ import annotations

import asyncio
import contextlib

from backend.hub.hub import _cancel_all


async def test_a_loop_that_swallowed_its_cancellation_is_cancelled_again() -> None:
    swallowed = 0

    async def stubborn() -> None:
        # What Python 3.11's wait_for does when the cancellation races the inner call's completion.
        nonlocal swallowed
        while True:
            try:
                await asyncio.sleep(0.01)
            except asyncio.CancelledError:
                if swallowed:
                    raise
                swallowed += 1

    task = asyncio.create_task(stubborn())
    await asyncio.sleep(0.02)
    await asyncio.wait_for(_cancel_all({task}), 5)
    assert task.cancelled()
    assert swallowed == 1


async def test_failures_at_shutdown_are_retrieved_not_left_to_the_loop() -> None:
    async def failing() -> None:
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(10)
        raise RuntimeError("boom")

    task = asyncio.create_task(failing())
    await asyncio.sleep(0)
    await _cancel_all({task})
    assert isinstance(task.exception(), RuntimeError)
