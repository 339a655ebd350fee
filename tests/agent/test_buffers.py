"""Unsaved editor buffers replace the disk copy and give exactly the hunks saving them would give."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from agent.changes import file_change, working_copy_changes
from agent.gitrepo import GitRepo
from agent.repostate import read_state
from tests.agent.sandbox import KEY, Sandbox

Open = Callable[[Sandbox], GitRepo]

BASE = "".join(f"def f{i}():\n    return {i}\n\n\n" for i in range(12))


@pytest.fixture
def repo(work: Sandbox, open_repo: Open) -> GitRepo:
    work.write("lib/funcs.py", BASE)
    work.commit("funcs")
    work.git("push", "-q", "origin", "main")
    return open_repo(work)


@pytest.mark.parametrize(
    "text",
    [
        BASE.replace("return 3", "return 30"),
        "# header\n" + BASE,
        BASE + "def tail():\n    pass",
        BASE.replace("def f5():\n    return 5\n\n\n", ""),
        BASE.replace("return 1\n", "return 1\n    # one\n    # two\n").replace("return 9", "return -9"),
        "",
        "completely\nother\n",
        BASE.replace("\n", "\r\n"),
    ],
    ids=["edit", "insert-top", "append-no-newline", "delete-function", "several", "emptied", "rewrite", "crlf"],
)
def test_buffer_gives_what_saving_would_give(work: Sandbox, repo: GitRepo, text: str) -> None:
    base = read_state(repo).base
    from_buffer = file_change(repo, base, "lib/funcs.py", key=KEY, buffer=text)
    work.write("lib/funcs.py", text)
    assert from_buffer == file_change(repo, base, "lib/funcs.py", key=KEY)
    assert from_buffer is not None


def test_buffer_overrides_the_disk_copy(work: Sandbox, repo: GitRepo) -> None:
    base = read_state(repo).base
    work.write("lib/funcs.py", BASE.replace("return 2", "return 20"))
    buffer = BASE.replace("return 7", "return 70")
    (change,) = working_copy_changes(repo, base, key=KEY, buffers={"lib/funcs.py": buffer})
    assert change.hunks is not None
    assert [(h.base_start, h.new_start, h.symbols) for h in change.hunks] == [(30, 30, ("f7",))]


def test_buffer_equal_to_the_base_hides_a_saved_change(work: Sandbox, repo: GitRepo) -> None:
    base = read_state(repo).base
    work.write("lib/funcs.py", BASE.replace("return 2", "return 20"))
    assert working_copy_changes(repo, base, key=KEY, buffers={"lib/funcs.py": BASE}) == []
    assert file_change(repo, base, "lib/funcs.py", key=KEY, buffer=BASE) is None


def test_new_unsaved_file_is_added_unless_ignored(work: Sandbox, repo: GitRepo) -> None:
    work.write(".gitignore", "secret/\n")
    base = read_state(repo).base
    added = file_change(repo, base, "src/new.py", key=KEY, buffer="def new():\n    pass\n")
    assert added is not None
    assert (added.status, added.hunks is not None and added.hunks[0].symbols) == ("added", ("new",))
    assert file_change(repo, base, "secret/new.py", key=KEY, buffer="x = 1\n") is None
    found = working_copy_changes(repo, base, key=KEY, buffers={"src/new.py": "x\n", "secret/k.py": "k\n"})
    assert [(c.path, c.status) for c in found] == [(".gitignore", "added"), ("src/new.py", "added")]


def test_buffer_of_a_renamed_file_keeps_base_coordinates(work: Sandbox, repo: GitRepo) -> None:
    work.git("mv", "lib/funcs.py", "lib/moved.py")
    state = read_state(repo)
    buffer = BASE.replace("return 11", "return 110")
    (change,) = working_copy_changes(repo, state.base, key=KEY, buffers={"lib/moved.py": buffer})
    assert (change.status, change.old_path) == ("renamed", "lib/funcs.py")
    assert change.hunks is not None
    assert [(h.base_start, h.base_lines) for h in change.hunks] == [(46, 1)]
    single = file_change(repo, state.base, "lib/moved.py", key=KEY, buffer=buffer, old_path="lib/funcs.py")
    assert single == change


def test_binary_or_large_buffers_are_whole_file(repo: GitRepo) -> None:
    base = read_state(repo).base
    binary = file_change(repo, base, "lib/funcs.py", key=KEY, buffer=BASE + "\0")
    large = file_change(repo, base, "lib/funcs.py", key=KEY, buffer=BASE * 3, max_bytes=len(BASE) * 2)
    assert binary is not None
    assert large is not None
    assert (binary.binary, binary.hunks, large.binary, large.hunks) == (True, None, False, None)
