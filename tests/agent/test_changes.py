"""Working-copy changes against the shared base, computed by real git on real edits."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from agent.changes import DEFAULT_MAX_BYTES, file_change, working_copy_changes
from agent.gitrepo import GitRepo
from agent.repostate import read_state
from tandem.hunkhash import content_hash, hunk_hash, text_hash
from tandem.protocol import FileChange, Hunk
from tests.agent.sandbox import KEY, Sandbox, clone

Open = Callable[[Sandbox], GitRepo]


def changes(repo: GitRepo, *, max_bytes: int = DEFAULT_MAX_BYTES) -> list[FileChange]:
    """The whole working copy, checked against the one-file computation for every path it reports."""
    base = read_state(repo).base
    found = working_copy_changes(repo, base, key=KEY, max_bytes=max_bytes)
    for change in found:
        single = file_change(repo, base, change.path, key=KEY, old_path=change.old_path, max_bytes=max_bytes)
        assert single == change, f"one-file computation disagrees for {change.path}"
    return found


def summary(found: list[FileChange]) -> list[tuple[str, str, str | None]]:
    return [(c.path, c.status, c.old_path) for c in found]


def coords(change: FileChange) -> list[tuple[int, int, int, int]]:
    assert change.hunks is not None
    return [(h.base_start, h.base_lines, h.new_start, h.new_lines) for h in change.hunks]


def test_clean_clone_has_no_changes(work: Sandbox, open_repo: Open) -> None:
    assert changes(open_repo(work)) == []


def test_saved_edit(work: Sandbox, open_repo: Open) -> None:
    work.write("app/main.py", "def main():\n    return 2\n")
    assert changes(open_repo(work)) == [
        FileChange(
            path="app/main.py",
            status="modified",
            hunks=(
                Hunk(
                    base_start=2,
                    base_lines=1,
                    new_start=2,
                    new_lines=1,
                    hash=hunk_hash(KEY, [b"    return 2\n"]),
                    symbols=("main",),
                ),
            ),
        )
    ]


def test_staged_unstaged_and_unpushed_work_all_count(work: Sandbox, open_repo: Open) -> None:
    repo = open_repo(work)
    work.write("app/main.py", "def main():\n    return 2\n")
    work.commit("unpushed")
    work.write("README.md", "# Project\n\nStaged.\n")
    work.git("add", "README.md")
    work.write("README.md", "# Project\n\nStaged.\nUnstaged.\n")
    found = changes(repo)
    assert summary(found) == [("README.md", "modified", None), ("app/main.py", "modified", None)]
    assert coords(found[0]) == [(1, 0, 2, 3)]
    work.git("add", "-A")
    work.git("commit", "-q", "-m", "more")
    work.git("push", "-q", "origin", "main")
    assert changes(repo) == []  # pushed: the shared base caught up


def test_switching_branch_changes_what_is_reported(work: Sandbox, open_repo: Open) -> None:
    repo = open_repo(work)
    work.git("checkout", "-q", "-b", "feature")
    work.write("feature.py", "def feature():\n    pass\n")
    work.commit("feature")
    assert summary(changes(repo)) == [("feature.py", "added", None)]
    work.git("checkout", "-q", "main")
    assert changes(repo) == []


def test_rebase_onto_moved_main_reports_in_the_new_base(
    work: Sandbox, origin: Path, tmp_path: Path, open_repo: Open
) -> None:
    repo = open_repo(work)
    work.git("checkout", "-q", "-b", "feature")
    work.write("app/main.py", "def main():\n    return 2\n")
    work.commit("mine")
    (before,) = changes(repo)
    assert coords(before) == [(2, 1, 2, 1)]
    teammate = clone(origin, tmp_path / "teammate")
    teammate.write("app/main.py", '"""Entry point."""\n\n\ndef main():\n    return 1\n')
    teammate.commit("docstring")
    teammate.git("push", "-q", "origin", "main")
    work.git("fetch", "-q")
    work.git("rebase", "-q", "origin/main")
    (after,) = changes(repo)
    assert coords(after) == [(5, 1, 5, 1)]
    assert after.hunks is not None
    assert before.hunks is not None
    assert after.hunks[0].hash == before.hunks[0].hash  # same new text, same hash


def test_deleted_file(work: Sandbox, open_repo: Open) -> None:
    (work.root / "app/main.py").unlink()
    (change,) = changes(open_repo(work))
    assert (change.status, coords(change)) == ("deleted", [(1, 2, 0, 0)])
    assert change.hunks is not None
    assert change.hunks[0].symbols == ("main",)  # from the base text
    assert change.hunks[0].hash == hunk_hash(KEY, [])


def test_deleting_lines_inside_a_function_names_it_from_the_base(work: Sandbox, open_repo: Open) -> None:
    work.write("app/main.py", "def main():\n    x = 1\n    return x\n\n\ndef other():\n    pass\n")
    work.commit("more")
    work.git("push", "-q", "origin", "main")
    work.write("app/main.py", "def main():\n    return x\n\n\ndef other():\n    pass\n")
    (change,) = changes(open_repo(work))
    assert change.hunks is not None
    assert [(h.base_start, h.base_lines, h.new_start, h.new_lines, h.symbols) for h in change.hunks] == [
        (2, 1, 1, 0, ("main",))
    ]


def test_renames_with_and_without_edits(work: Sandbox, open_repo: Open) -> None:
    repo = open_repo(work)
    work.write("lib/long.py", "".join(f"def f{i}():\n    return {i}\n\n\n" for i in range(10)))
    work.commit("lib")
    work.git("push", "-q", "origin", "main")
    (work.root / "docs").mkdir()
    work.git("mv", "README.md", "docs/README.md")
    work.git("mv", "lib/long.py", "lib/renamed.py")
    text = (work.root / "lib/renamed.py").read_text().replace("return 3", "return 33")
    work.write("lib/renamed.py", text)
    found = changes(repo)
    assert summary(found) == [("docs/README.md", "renamed", "README.md"), ("lib/renamed.py", "renamed", "lib/long.py")]
    assert found[0].hunks == ()
    assert coords(found[1]) == [(14, 1, 14, 1)]
    assert found[1].hunks is not None
    assert found[1].hunks[0].symbols == ("f3",)


def test_rename_by_plain_move_is_still_a_rename(work: Sandbox, open_repo: Open) -> None:
    (work.root / "app/main.py").rename(work.root / "app/entry.py")
    work.write("notes.txt", "unrelated\n")
    assert summary(changes(open_repo(work))) == [
        ("app/entry.py", "renamed", "app/main.py"),
        ("notes.txt", "added", None),
    ]


def test_untracked_file_is_one_added_hunk(work: Sandbox, open_repo: Open) -> None:
    work.write("tools/new tool.py", "class Tool:\n    def run(self):\n        pass")
    (change,) = changes(open_repo(work))
    assert (change.path, change.status, coords(change)) == ("tools/new tool.py", "added", [(0, 0, 1, 3)])
    assert change.hunks is not None
    hunk = change.hunks[0]
    assert hunk.hash == hunk_hash(KEY, [b"class Tool:\n", b"    def run(self):\n", b"        pass\n"])
    assert hunk.symbols == ("Tool", "Tool.run")


def test_ignored_files_are_never_reported(work: Sandbox, open_repo: Open) -> None:
    work.write(".gitignore", "*.log\nbuild/\n")
    work.commit("ignore")
    work.git("push", "-q", "origin", "main")
    (work.root / ".git/info/exclude").write_text("scratch.txt\n")
    work.write("debug.log", "noise\n")
    work.write("build/out.js", "x\n")
    work.write("scratch.txt", "mine\n")
    work.write("kept.txt", "kept\n")
    assert summary(changes(open_repo(work))) == [("kept.txt", "added", None)]


def test_tandemignore_hides_tracked_and_untracked_files(work: Sandbox, open_repo: Open) -> None:
    repo = open_repo(work)
    work.write(".tandemignore", "# generated\napp/\n!app/main.py\n*.lock\n")
    work.write("app/main.py", "def main():\n    return 3\n")
    work.write("deps/poetry.lock", "lock\n")
    work.write("src/code.py", "x = 1\n")
    assert summary(changes(repo)) == [(".tandemignore", "added", None), ("src/code.py", "added", None)]
    assert file_change(repo, read_state(repo).base, "app/main.py", key=KEY) is None


def test_binary_files_are_whole_file_changes(work: Sandbox, open_repo: Open) -> None:
    work.write("img/logo.png", b"\x89PNG\r\n\x1a\n\0\0\0data")
    work.commit("logo")
    work.git("push", "-q", "origin", "main")
    work.write("img/logo.png", b"\x89PNG\r\n\x1a\n\0\0\0other")
    work.write("img/new.bin", b"\0\1\2")
    found = changes(open_repo(work))
    assert [(c.path, c.status, c.binary, c.hunks) for c in found] == [
        ("img/logo.png", "modified", True, None),
        ("img/new.bin", "added", True, None),
    ]


def test_whole_file_changes_carry_a_keyed_content_hash(work: Sandbox, open_repo: Open) -> None:
    work.write("img/logo.png", b"\x89PNG\0one")
    work.commit("logo")
    work.git("push", "-q", "origin", "main")
    work.write("img/logo.png", b"\x89PNG\0two")
    work.write("data/large.txt", "row\r\n" * 300)
    (work.root / "README.md").unlink()
    work.write("README.md", b"\0now binary")
    found = {c.path: c for c in changes(open_repo(work), max_bytes=1000)}
    assert found["img/logo.png"].content_hash == content_hash(KEY, [b"\x89PNG\0two"], binary=True)
    assert found["data/large.txt"].content_hash == text_hash(KEY, b"row\n" * 300)
    assert found["README.md"].content_hash == content_hash(KEY, [b"\0now binary"], binary=True)
    (work.root / "img/logo.png").unlink()
    deleted = file_change(open_repo(work), read_state(open_repo(work)).base, "img/logo.png", key=KEY)
    assert deleted is not None
    assert (deleted.status, deleted.content_hash) == ("deleted", content_hash(KEY, [], binary=True))
    assert all(c.content_hash == "" for c in changes(open_repo(work)) if c.hunks is not None)


def test_hunk_text_only_on_request(work: Sandbox, open_repo: Open) -> None:
    repo = open_repo(work)
    work.write("app/main.py", "def main():\n    return 'ünï'\n")
    base = read_state(repo).base
    (shared,) = working_copy_changes(repo, base, key=KEY, hunk_text=True)
    assert shared.hunks is not None
    assert [h.text for h in shared.hunks] == ["    return 'ünï'\n"]
    (private,) = working_copy_changes(repo, base, key=KEY)
    assert private.hunks is not None
    assert [h.text for h in private.hunks] == [None]


def test_large_files_have_no_hunks(work: Sandbox, open_repo: Open) -> None:
    repo = open_repo(work)
    work.write("data/big.txt", "line\n" * 400)
    work.write("data/shrinks.txt", "line\n" * 400)
    work.commit("data")
    work.git("push", "-q", "origin", "main")
    work.write("data/big.txt", "line\n" * 401)
    work.write("data/shrinks.txt", "line\n")
    work.write("data/new-big.txt", "new\n" * 400)
    work.write("data/small.txt", "small\n")
    found = changes(repo, max_bytes=1000)
    assert [(c.path, c.binary, c.hunks is None) for c in found] == [
        ("data/big.txt", False, True),
        ("data/new-big.txt", False, True),
        ("data/shrinks.txt", False, True),
        ("data/small.txt", False, False),
    ]
    assert [c.path for c in changes(repo) if c.hunks is None] == []  # under the default limit: hunks


def test_unicode_and_spaces_in_paths(work: Sandbox, open_repo: Open) -> None:
    work.write("docs/ünï cödé.md", "a\nb\n")
    work.write('odd "quoted"\tname.txt', "q\n")
    work.commit("names")
    work.git("push", "-q", "origin", "main")
    work.write("docs/ünï cödé.md", "a\nB\n")
    work.write('odd "quoted"\tname.txt', "Q\n")
    work.write("new dir/naïve file.txt", "n\n")
    found = changes(open_repo(work))
    assert summary(found) == [
        ("docs/ünï cödé.md", "modified", None),
        ("new dir/naïve file.txt", "added", None),
        ('odd "quoted"\tname.txt', "modified", None),
    ]
    assert coords(found[0]) == [(2, 1, 2, 1)]


def test_removed_from_the_index_but_still_on_disk(work: Sandbox, open_repo: Open) -> None:
    work.git("rm", "-q", "--cached", "README.md")
    repo = open_repo(work)
    assert changes(repo) == []  # the working tree still equals the base
    work.write("README.md", "# Project\nmore\n")
    assert [(c.path, c.status, coords(c)) for c in changes(repo)] == [("README.md", "modified", [(1, 0, 2, 1)])]


def test_mode_change_only(work: Sandbox, open_repo: Open) -> None:
    (work.root / "app/main.py").chmod(0o755)
    assert [(c.path, c.status, c.hunks) for c in changes(open_repo(work))] == [("app/main.py", "modified", ())]


def test_no_remote_and_detached_head(local: Sandbox, open_repo: Open) -> None:
    repo = open_repo(local)
    local.write("a.py", "def a():\n    pass\n")
    local.commit("first")
    local.git("checkout", "-q", "--detach")
    local.write("a.py", "def a():\n    return 1\n")
    assert [(c.path, coords(c)) for c in changes(repo)] == [("a.py", [(2, 1, 2, 1)])]


def test_empty_repository_reports_everything_as_added(local: Sandbox, open_repo: Open) -> None:
    local.write("staged.py", "def s():\n    pass\n")
    local.git("add", "staged.py")
    local.write("untracked.txt", "u\n")
    found = changes(open_repo(local))
    assert [(c.path, c.status, coords(c)) for c in found] == [
        ("staged.py", "added", [(0, 0, 1, 2)]),
        ("untracked.txt", "added", [(0, 0, 1, 1)]),
    ]


def test_two_machines_making_the_same_change_hash_alike(
    work: Sandbox, origin: Path, tmp_path: Path, open_repo: Open
) -> None:
    other = clone(origin, tmp_path / "other")
    for box in (work, other):
        box.write("app/main.py", "def main():\n    return 42\n")
    assert changes(open_repo(work)) == changes(open_repo(other))


def test_user_configuration_does_not_change_the_answer(
    work: Sandbox, open_repo: Open, isolated_git_config: Path
) -> None:
    work.write("app/main.py", "def main():\n    return 2\n\n\ndef extra():\n    pass\n")
    work.git("mv", "README.md", "README.rst")
    expected = changes(open_repo(work))
    isolated_git_config.write_text(
        "[diff]\n noprefix = true\n mnemonicPrefix = true\n algorithm = myers\n renames = false\n"
        " interHunkContext = 10\n context = 5\n external = false\n relative = true\n"
        "[color]\n ui = always\n[core]\n quotePath = true\n"
    )
    assert changes(open_repo(work)) == expected


@pytest.mark.parametrize("path", ["missing.txt", "app", ".git/config"])
def test_one_file_that_is_not_a_change(work: Sandbox, open_repo: Open, path: str) -> None:
    repo = open_repo(work)
    assert file_change(repo, read_state(repo).base, path, key=KEY) is None


def test_no_pathspec_limited_diff_against_the_base(
    work: Sandbox, open_repo: Open, monkeypatch: pytest.MonkeyPatch
) -> None:
    """git walks the whole tree and index for ``git diff <base> -- path``: on 100,000 files it takes about
    a minute, more than diffing everything. No route may use one."""
    repo = open_repo(work)
    calls: list[tuple[str, ...]] = []
    real_run = repo.run

    def spy(*args: str, **kwargs: Any) -> bytes:
        calls.append(args)
        return real_run(*args, **kwargs)

    monkeypatch.setattr(repo, "run", spy)
    base = read_state(repo).base
    assert base is not None
    (work.root / "app/main.py").rename(work.root / "app/entry.py")
    work.write("README.md", "# Project\nedited\n")
    work.write("new.txt", "new\n")
    whole = working_copy_changes(repo, base, key=KEY, buffers={"README.md": "# Buffer\n"})
    assert [c.status for c in whole] == ["modified", "renamed", "added"]
    for path, old in (("app/entry.py", "app/main.py"), ("README.md", None), ("new.txt", None)):
        file_change(repo, base, path, key=KEY, old_path=old)
    against_base = [args for args in calls if "diff" in args and base in args]
    assert against_base
    assert all(args[-1] == "--" for args in against_base)
