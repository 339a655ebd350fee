"""Choosing the event loop: uvloop when it imports, asyncio's otherwise, a clear error when forced and absent."""

from __future__ import annotations

import sys

import pytest

from tandem.loops import LoopUnavailable, loop_name, new_event_loop


@pytest.mark.parametrize(("choice", "expected"), [("auto", "uvloop"), ("uvloop", "uvloop"), ("asyncio", "asyncio")])
def test_choices(choice: str, expected: str) -> None:
    loop = new_event_loop(choice)  # type: ignore[arg-type]
    try:
        assert loop_name(loop) == expected
    finally:
        loop.close()


def test_without_uvloop_auto_falls_back_and_a_forced_choice_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "uvloop", None)  # what an interpreter without uvloop sees: ImportError
    loop = new_event_loop("auto")
    try:
        assert loop_name(loop) == "asyncio"
    finally:
        loop.close()
    with pytest.raises(LoopUnavailable, match="uvloop is not installed"):
        new_event_loop("uvloop")
