"""Fixtures: an isolated git configuration, a bare origin with a first commit, and clones of it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from agent.gitrepo import GitRepo
from tests.agent.sandbox import Sandbox, bare_origin, clone, init_repo, isolate_git_config


@pytest.fixture(autouse=True)
def isolated_git_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test sees an empty global config it may fill, never the machine's."""
    return isolate_git_config(tmp_path, monkeypatch)


@pytest.fixture
def origin(tmp_path: Path) -> Path:
    """A bare repository whose main branch has one commit, as a team's shared remote."""
    bare = bare_origin(tmp_path / "origin.git")
    seed = init_repo(tmp_path / "seed")
    seed.write("README.md", "# Project\n")
    seed.write("app/main.py", "def main():\n    return 1\n")
    seed.commit("initial")
    seed.git("push", "-q", str(bare), "main")
    return bare


@pytest.fixture
def work(origin: Path, tmp_path: Path) -> Sandbox:
    """A developer's clone of ``origin`` on ``main``."""
    return clone(origin, tmp_path / "work")


@pytest.fixture
def local(tmp_path: Path) -> Sandbox:
    """A repository without any remote."""
    return init_repo(tmp_path / "local")


@pytest.fixture
def open_repo() -> Iterator[Callable[[Sandbox], GitRepo]]:
    opened: list[GitRepo] = []

    def _open(box: Sandbox) -> GitRepo:
        repo = GitRepo(box.root)
        opened.append(repo)
        return repo

    yield _open
    for repo in opened:
        repo.close()
