"""The .tandemignore matcher agrees with git's own gitignore semantics, checked against git itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent.ignore import IgnoreRules
from tests.agent.sandbox import Sandbox, init_repo

FILES = [
    "a.txt",
    "b.log",
    "build/out.o",
    "build/sub/x.txt",
    "src/build/y.txt",
    "src/main.c",
    "src/lib/util.c",
    "src/lib/util.h",
    "doc/readme.md",
    "doc/api/index.html",
    "logs/today.log",
    "logs/keep.log",
    "sp ace.txt",
    "#hash.txt",
    "!bang.txt",
    "foo/bar/baz/qux.txt",
    "foo/x/bar/q.txt",
    "a/b/c/d.txt",
    "deep/a/b/c/e.py",
    "test_1.py",
    "tests/test_two.py",
    ".hidden/file",
    "x[1].txt",
    "unicodé/fïle.txt",
]

PATTERN_SETS = [
    ["*.log"],
    ["*.log", "!keep.log"],
    ["build/"],
    ["/build"],
    ["build"],
    ["src/*.c"],
    ["**/lib"],
    ["foo/**/qux.txt"],
    ["foo/**"],
    ["**/bar"],
    ["logs/", "!logs/keep.log"],
    ["logs/*", "!logs/keep.log"],
    ["doc/**/*.html"],
    ["*.[ch]"],
    ["[!a-s]*.txt"],
    ["[[:digit:]]*", "*[[:digit:]]*"],
    ["\\#hash.txt", "\\!bang.txt"],
    ["#hash.txt", "!bang.txt"],
    ["sp\\ ace.txt"],
    ["sp ace.txt   "],
    ["test_?.py"],
    ["test_*.py"],
    [".hidden"],
    ["a/b"],
    ["b/c"],
    ["*", "!*/", "!*.py"],
    ["*"],
    ["x\\[1\\].txt"],
    ["x[[]1].txt"],
    ["# comment", "", "a.txt"],
    ["deep/**/e.py", "**/c/*.py"],
    ["/*.txt"],
    ["src/**", "!src/lib/"],
    ["a/**/d.txt"],
    ["**"],
    ["*.TXT"],
    ["unicodé/"],
    ["f*/b*/"],
    ["foo/*/qux.txt", "foo/*/*/qux.txt"],
]


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Sandbox:
    box = init_repo(tmp_path_factory.mktemp("ignore") / "repo")
    for path in FILES:
        box.write(path, "x\n")
    return box


def git_verdicts(box: Sandbox, patterns: list[str]) -> set[str]:
    """The files git still lists as untracked with these patterns in the root .gitignore."""
    (box.root / ".gitignore").write_text("\n".join(patterns) + "\n", encoding="utf-8")
    listed = box.git("-c", "core.quotePath=false", "ls-files", "--others", "--exclude-standard", "-z")
    return set(listed.split("\0")) - {".gitignore", ""}


@pytest.mark.parametrize("patterns", PATTERN_SETS, ids=lambda p: " | ".join(p))
def test_matcher_agrees_with_git(tree: Sandbox, patterns: list[str]) -> None:
    rules = IgnoreRules.parse("\n".join(patterns))
    kept_by_us = {path for path in FILES if not rules.matches(path)}
    assert kept_by_us == git_verdicts(tree, patterns)


def test_directory_patterns_and_parents() -> None:
    rules = IgnoreRules.parse("generated/\n!generated/keep.py\n")
    assert rules.matches("generated", is_dir=True)
    assert not rules.matches("generated")  # a file named like the directory pattern
    assert rules.matches("generated/keep.py")  # a parent directory cannot be re-included into
    assert rules.matches("pkg/generated/x.py")


def test_no_file_no_rules(tmp_path: Path) -> None:
    rules = IgnoreRules.load(tmp_path)
    assert not rules
    assert not rules.matches("anything.py")
    (tmp_path / ".tandemignore").write_text("*.lock\n")
    assert IgnoreRules.load(tmp_path).matches("deps/poetry.lock")
