"""The event loop a long-running Tandem process runs on: uvloop where it is installed, else asyncio's own."""

from __future__ import annotations

import asyncio
from typing import Literal

EventLoopChoice = Literal["auto", "uvloop", "asyncio"]


class LoopUnavailable(RuntimeError):
    """``uvloop`` was asked for explicitly and cannot be imported (Windows, or a build without it)."""


def new_event_loop(choice: EventLoopChoice = "auto") -> asyncio.AbstractEventLoop:
    """``auto`` takes uvloop when it imports (it roughly halves the cost of socket I/O) and asyncio otherwise."""
    if choice != "asyncio":
        try:
            import uvloop
        except ImportError as err:
            if choice == "uvloop":
                raise LoopUnavailable("TANDEM_EVENT_LOOP=uvloop, but uvloop is not installed") from err
        else:
            return uvloop.new_event_loop()
    return asyncio.new_event_loop()


def loop_name(loop: asyncio.AbstractEventLoop) -> str:
    return "uvloop" if type(loop).__module__.startswith("uvloop") else "asyncio"
