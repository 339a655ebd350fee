"""Generated git repositories for the agent's benchmarks: many small Python modules in many folders."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from agent.gitrepo import git_environment


def module_text(n: int, edit: int = 0) -> str:
    """Module ``n``: eight small functions; ``edit`` > 0 changes one line of the fifth (a different text each)."""
    funcs = [f"def f{n}_{i}(x):\n    y = x * {i}\n    return y + {n}\n\n\n" for i in range(8)]
    if edit:
        funcs[4] = funcs[4].replace("y = x", f"y = {edit} - x")
    return f'"""Module {n}."""\n\n\n' + "".join(funcs)


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, env=git_environment(), check=True, capture_output=True)


def generate(root: Path, files: int, dirs: int, *, remote: str | None = None, pack: bool = False) -> list[Path]:
    """A repository of ``files`` modules in ``dirs`` folders, committed on ``main``; returns the files' paths."""
    started = time.perf_counter()
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Bench")
    git(root, "config", "user.email", "bench@example.test")
    if remote is not None:
        git(root, "remote", "add", "origin", remote)
    paths = []
    for n in range(files):
        path = root / f"pkg{n % dirs:05d}" / f"mod{n:06d}.py"
        path.parent.mkdir(exist_ok=True)
        path.write_text(module_text(n))
        paths.append(path)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "generated")
    if pack:
        git(root, "repack", "-a", "-d", "-q")  # a real repository's objects are packed
    time.sleep(1.1)  # file times must fall behind the index's, or git re-reads "racily clean" files
    git(root, "update-index", "--really-refresh")
    print(f"generated {files} files in {dirs} folders in {time.perf_counter() - started:.1f}s at {root}", flush=True)
    return paths
