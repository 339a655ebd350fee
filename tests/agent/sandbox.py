"""Real git repositories in temporary directories: a bare "origin" and clones with local user settings."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from agent.gitrepo import git_environment

KEY = b"project-key-for-tests"
"""The project key the tests hash with."""


class Sandbox:
    """A working copy driven by the git command line, as a developer would drive it."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def git(self, *args: str, stdin: bytes | None = None) -> str:
        proc = subprocess.run(
            ["git", *args], cwd=self.root, env=git_environment(), input=stdin, capture_output=True, check=False
        )
        if proc.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed: {proc.stderr.decode()}")
        return proc.stdout.decode("utf-8", "surrogateescape").strip()

    def write(self, path: str, content: str | bytes) -> Path:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            target.write_text(content, encoding="utf-8", newline="")
        else:
            target.write_bytes(content)
        return target

    def commit(self, message: str, *paths: str) -> str:
        self.git("add", "-A", "--", *(paths or (".",)))
        self.git("commit", "-q", "-m", message)
        return self.head()

    def head(self) -> str:
        return self.git("rev-parse", "HEAD")


def isolate_git_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point git at an empty global config in ``tmp_path``, never the machine's (nor its excludes file)."""
    config = tmp_path / "global.gitconfig"
    config.write_text("")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))  # no default global excludes file either
    return config


def init_repo(root: Path, *, branch: str = "main") -> Sandbox:
    root.mkdir(parents=True, exist_ok=True)
    box = Sandbox(root)
    box.git("init", "-q", "-b", branch)
    box.git("config", "user.name", "Test Developer")
    box.git("config", "user.email", "dev@example.test")
    return box


def bare_origin(root: Path) -> Path:
    root.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(root)], check=True, env=git_environment())
    return root


def clone(origin: Path, root: Path) -> Sandbox:
    subprocess.run(["git", "clone", "-q", str(origin), str(root)], check=True, env=git_environment())
    box = Sandbox(root)
    box.git("config", "user.name", "Test Developer")
    box.git("config", "user.email", "dev@example.test")
    return box
