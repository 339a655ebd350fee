"""Returning memory after a big scan: safe to call anywhere, and it really gives pages back on Linux."""

from __future__ import annotations

import sys

import pytest

from agent import memory


def _rss_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="malloc_trim is glibc's")
def test_release_gives_freed_heap_back() -> None:
    blocks = [bytearray(64) * 1 for _ in range(400_000)]  # many small allocations: heap, not mmap
    del blocks
    before = _rss_kib()
    memory.release()
    assert _rss_kib() < before
