"""What git does to content before diffing (attributes, line endings, filters, modes) holds for every route:
the whole-copy diff, one saved file, and an unsaved buffer."""

from __future__ import annotations

import os
from collections.abc import Callable

from agent.changes import file_change, working_copy_changes
from agent.gitrepo import GitRepo
from agent.repostate import read_state
from tandem.hunkhash import content_hash
from tandem.protocol import FileChange
from tests.agent.sandbox import KEY, Sandbox

Open = Callable[[Sandbox], GitRepo]


def every_route(box: Sandbox, repo: GitRepo, path: str) -> FileChange | None:
    """The change of ``path`` by the whole-copy diff, asserting one-file and buffer routes agree."""
    base = read_state(repo).base
    whole = {c.path: c for c in working_copy_changes(repo, base, key=KEY)}.get(path)
    assert file_change(repo, base, path, key=KEY) == whole
    target = box.root / path
    if target.is_file() and not target.is_symlink():
        text = target.read_bytes().decode("utf-8", "surrogateescape")
        if "\udc80" not in text:
            assert file_change(repo, base, path, key=KEY, buffer=text) == whole
    return whole


def every_hash(content: bytes) -> str:
    return content_hash(KEY, [content], binary=True)


def publish(box: Sandbox, message: str) -> None:
    box.commit(message)
    box.git("push", "-q", "origin", "main")


def test_autocrlf_line_endings_are_not_changes(work: Sandbox, open_repo: Open) -> None:
    work.git("config", "core.autocrlf", "true")
    work.write("notes.txt", "one\ntwo\nthree\n")
    publish(work, "notes")
    repo = open_repo(work)
    work.write("notes.txt", "one\r\nTWO\r\nthree\r\n")
    change = every_route(work, repo, "notes.txt")
    assert change is not None
    assert change.hunks is not None
    assert [(h.base_start, h.base_lines, h.new_start, h.new_lines) for h in change.hunks] == [(2, 1, 2, 1)]


def test_binary_attribute_makes_a_whole_file_change(work: Sandbox, open_repo: Open) -> None:
    work.write(".gitattributes", "*.dat binary\n")
    work.write("table.dat", "a\nb\n")
    publish(work, "table")
    work.write("table.dat", "a\nc\n")
    change = every_route(work, open_repo(work), "table.dat")
    assert change is not None
    assert (change.binary, change.hunks) == (True, None)


def test_clean_filters_are_applied_like_git(work: Sandbox, open_repo: Open) -> None:
    work.git("config", "filter.upper.clean", "tr a-z A-Z")
    work.git("config", "filter.upper.smudge", "cat")
    work.write(".gitattributes", "*.up filter=upper\n")
    work.write("shout.up", "HELLO\nWORLD\n")
    publish(work, "shout")
    repo = open_repo(work)
    work.write("shout.up", "hello\nworld\n")  # cleans to the committed content: no change for git
    base = read_state(repo).base
    assert [c.path for c in working_copy_changes(repo, base, key=KEY)] == []
    assert file_change(repo, base, "shout.up", key=KEY) is None
    work.write("shout.up", "hello\nthere\n")
    change = file_change(repo, base, "shout.up", key=KEY)
    assert change is not None
    assert change == {c.path: c for c in working_copy_changes(repo, base, key=KEY)}["shout.up"]


def test_permissions_count_only_with_file_mode(work: Sandbox, open_repo: Open) -> None:
    repo = open_repo(work)
    os.chmod(work.root / "app/main.py", 0o755)
    change = every_route(work, repo, "app/main.py")
    assert change is not None
    assert (change.status, change.hunks) == ("modified", ())
    work.git("config", "core.fileMode", "false")
    assert every_route(work, open_repo(work), "app/main.py") is None


def test_file_replaced_by_a_symlink(work: Sandbox, open_repo: Open) -> None:
    (work.root / "README.md").unlink()
    (work.root / "README.md").symlink_to("app/main.py")
    change = every_route(work, open_repo(work), "README.md")
    assert change is not None
    assert (change.status, change.hunks) == ("modified", None)


def test_untracked_and_ignored_but_in_the_base_is_deleted(work: Sandbox, open_repo: Open) -> None:
    work.write(".gitignore", "README.md\n")
    work.git("rm", "-q", "--cached", "README.md")
    change = every_route(work, open_repo(work), "README.md")
    assert change is not None
    assert change.status == "deleted"


def test_recorded_executable_bit_stays_without_file_mode(work: Sandbox, open_repo: Open) -> None:
    os.chmod(work.root / "app/main.py", 0o755)
    publish(work, "executable")
    work.git("config", "core.fileMode", "false")
    os.chmod(work.root / "app/main.py", 0o644)
    assert every_route(work, open_repo(work), "app/main.py") is None


def test_cached_answers_follow_their_files(work: Sandbox, open_repo: Open) -> None:
    repo = open_repo(work)
    assert not repo.is_ignored("out/x.txt")
    work.write(".gitignore", "out/\n")
    assert repo.is_ignored("out/x.txt")
    assert repo.attributes("a.dat") == {}
    work.write(".gitattributes", "*.dat -diff\n")
    assert repo.attributes("a.dat") == {"diff": "unset"}
    work.write("sub/.gitattributes", "*.dat diff=custom\n")
    assert repo.attributes("sub/a.dat") == {"diff": "custom"}
    work.write(".gitattributes", "*.dat diff\n")
    assert repo.attributes("a.dat") == {"diff": "set"}


def test_untracked_files_marked_binary(work: Sandbox, open_repo: Open) -> None:
    work.write(".gitattributes", "*.dat -diff\n")
    publish(work, "attributes")
    work.write("data/new.dat", "looks\nlike text\n")
    work.write("data/new.txt", "is\ntext\n")
    repo = open_repo(work)
    assert every_route(work, repo, "data/new.dat") == FileChange(
        path="data/new.dat", status="added", binary=True, hunks=None, content_hash=every_hash(b"looks\nlike text\n")
    )
    text = every_route(work, repo, "data/new.txt")
    assert text is not None
    assert not text.binary
