"""Summarise py-spy's collapsed stacks (``BENCH_PROFILE=DIR``): where a server spent its samples.

uv run python -m bench.realtime.profile /tmp/prof/ingest-ingest0.txt [--top 40] [--only backend]
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^:()]+)(?::\d+)?\)$")


def frames(stack: str) -> list[str]:
    out = []
    for frame in stack.split(";"):
        match = _FRAME.match(frame)
        if match is None:
            out.append(frame)
            continue
        path = match["file"]
        for marker in ("site-packages/", "lib/python3.11/", "/work/main/"):
            if marker in path:
                path = path.split(marker, 1)[1]
        out.append(f"{match['func']} ({path})")
    return out


def summarise(path: Path, top: int, only: str) -> str:
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        n = int(count)
        total += n
        names = frames(stack)
        own[names[-1]] += n
        for name in set(names):
            inclusive[name] += n
    lines = [f"{total} samples in {path.name}", "", "self %   function"]
    lines += [f"{100 * n / total:6.1f}   {name}" for name, n in own.most_common(top)]
    lines += ["", "total %  function"]
    shown = [(name, n) for name, n in inclusive.most_common() if only in name][:top]
    lines += [f"{100 * n / total:6.1f}   {name}" for name, n in shown]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("file", type=Path)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--only", default="", help="inclusive list: only functions whose line contains this")
    args = parser.parse_args()
    print(summarise(args.file, args.top, args.only))


if __name__ == "__main__":
    main()
