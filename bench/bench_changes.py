"""Benchmark the agent's change computation on a generated repository, against a bare ``git diff`` floor.

uv run python bench/bench_changes.py --files 20000 --dirs 1000 --runs 20
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from agent.changes import file_change, working_copy_changes
from agent.gitrepo import GitRepo, git_environment
from agent.repostate import read_state
from bench.repogen import generate, git, module_text

KEY = b"bench-key"
UNTRACKED = ("ls-files", "--others", "--exclude-standard", "-z")


def measure(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    fn()  # warm-up: caches, page cache
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    p99 = times[min(len(times) - 1, round(0.99 * (len(times) - 1)))]
    return statistics.median(times), p99


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=20_000)
    parser.add_argument("--dirs", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--where", type=Path, help="directory to generate in (default: a temporary one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tandem-bench-", dir=args.where) as scratch:
        root = Path(scratch) / "repo"
        paths = generate(root, args.files, args.dirs, pack=True)
        run(root, paths, args.runs)


def run(root: Path, paths: list[Path], runs: int) -> None:
    rows: list[tuple[str, float, float]] = []
    with GitRepo(root) as repo:
        base = read_state(repo).base
        assert base is not None

        def floor() -> None:
            git(root, "diff", "--histogram", "-U0", base)

        def whole() -> None:
            working_copy_changes(repo, base, key=KEY)

        rows.append(("read_state (repo state)", *measure(lambda: read_state(repo), runs)))
        for changed in (0, 10, 1000):
            for n, path in enumerate(paths[:changed]):
                path.write_text(module_text(n, edit=1))
            found = working_copy_changes(repo, base, key=KEY)
            assert len(found) == min(changed, len(paths)), len(found)
            rows.append((f"whole copy, {changed} changed files", *measure(whole, runs)))
            rows.append((f"  floor: git diff -U0 base, {changed} changed", *measure(floor, runs)))
            if changed == 0:
                rows.append(("  plus: git ls-files --others", *measure(lambda: git(root, *UNTRACKED), runs)))
        rows.append(
            (
                "whole copy, 1000 changed, no symbols",
                *measure(lambda: working_copy_changes(repo, base, key=KEY, symbols=False), runs),
            )
        )
        one = paths[0].relative_to(root).as_posix()
        buffer = module_text(0, edit=1).replace("return y + 0", "return y + 1")
        rows.append(("one file on disk", *measure(lambda: file_change(repo, base, one, key=KEY), runs)))
        second = paths[1].relative_to(root).as_posix()
        rows.append(
            (
                "one file, rename hint (scratch index diff)",
                *measure(lambda: file_change(repo, base, one, key=KEY, old_path=second), runs),
            )
        )
        rows.append(
            ("one unsaved buffer", *measure(lambda: file_change(repo, base, one, key=KEY, buffer=buffer), runs))
        )
        rows.append(
            ("  alternative: hash-object -w + diff blobs", *measure(lambda: blob_route(root, one, buffer), runs))
        )
        # What the one-file route avoids: git walks the whole tree and index for a pathspec (3 runs: slow).
        pathspec = ("diff", "--histogram", "-U0", base, "--", one)
        rows.append(("  avoided: git diff -U0 base -- file", *measure(lambda: git(root, *pathspec), min(runs, 3))))
    print(f"\n{len(paths)} files, {runs} runs each (p99 of few runs is close to the maximum)\n")
    print(f"| {'measure':<46} | median ms | p99 ms |")
    print(f"| {'-' * 46} | --------: | -----: |")
    for name, median, p99 in rows:
        print(f"| {name:<46} | {median:9.1f} | {p99:6.1f} |")


def blob_route(root: Path, path: str, buffer: str) -> None:
    """The rejected way to diff a buffer: store it as a blob (writes an object per keystroke), then diff."""
    env = git_environment()
    blob = (
        subprocess.run(
            ["git", "hash-object", "-w", "--stdin"],
            cwd=root,
            env=env,
            input=buffer.encode(),
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .strip()
    )
    subprocess.run(
        ["git", "diff", "--histogram", "-U0", f"HEAD:{path}", blob], cwd=root, env=env, capture_output=True, check=True
    )


if __name__ == "__main__":
    main()
