"""Repository state: identity from the remote, the default branch, the shared base and the edge cases."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from agent.gitrepo import GitRepo, NotARepository
from agent.repostate import read_state
from tests.agent.sandbox import Sandbox, clone, init_repo

Open = Callable[[Sandbox], GitRepo]


def test_clone_on_main(work: Sandbox, origin: Path, open_repo: Open) -> None:
    state = read_state(open_repo(work))
    assert state.root == work.root.resolve()
    assert state.identity == str(origin).lower().removesuffix(".git")
    assert (state.remote, state.branch, state.default_branch) == ("origin", "main", "main")
    assert state.base_ref == "refs/remotes/origin/main"
    assert state.head == state.base == work.head()


def test_identity_comes_from_the_normalised_remote_url(work: Sandbox, open_repo: Open) -> None:
    work.git("remote", "set-url", "origin", "https://dev:s3cret@GitHub.com/Team/App.git")
    assert read_state(open_repo(work)).identity == "github.com/team/app"


def test_without_origin_the_first_remote_is_used(work: Sandbox, open_repo: Open) -> None:
    work.git("remote", "rename", "origin", "upstream")
    work.git("remote", "add", "fork", "git@example.com:me/app.git")
    state = read_state(open_repo(work))
    assert state.remote == "upstream"
    assert state.base_ref == "refs/remotes/upstream/main"


def test_unpushed_commits_keep_the_remote_base(work: Sandbox, open_repo: Open) -> None:
    shared = work.head()
    work.write("app/main.py", "def main():\n    return 2\n")
    work.commit("local work")
    state = read_state(open_repo(work))
    assert state.head != shared
    assert state.base == shared


def test_remote_head_names_the_default_branch(work: Sandbox, open_repo: Open) -> None:
    work.git("checkout", "-q", "-b", "develop")
    work.write("dev.txt", "d\n")
    develop = work.commit("develop")
    work.git("push", "-q", "origin", "develop")
    work.git("remote", "set-head", "origin", "develop")
    work.git("checkout", "-q", "-b", "feature")
    work.write("feature.txt", "f\n")
    work.commit("feature")
    state = read_state(open_repo(work))
    assert (state.default_branch, state.base_ref, state.base) == ("develop", "refs/remotes/origin/develop", develop)


def test_without_remote_head_main_is_found(work: Sandbox, open_repo: Open) -> None:
    work.git("remote", "set-head", "origin", "-d")
    state = read_state(open_repo(work))
    assert (state.default_branch, state.base_ref) == ("main", "refs/remotes/origin/main")


def test_no_remote_master_branch(local: Sandbox, open_repo: Open) -> None:
    local.git("checkout", "-q", "-b", "master")
    local.write("a.txt", "a\n")
    first = local.commit("first")
    local.git("checkout", "-q", "-b", "topic")
    local.write("a.txt", "b\n")
    local.commit("second")
    state = read_state(open_repo(local))
    assert (state.identity, state.remote, state.branch) == (None, None, "topic")
    assert (state.default_branch, state.base_ref, state.base) == ("master", "refs/heads/master", first)


def test_no_remote_no_main_uses_the_current_branch(tmp_path: Path, open_repo: Open) -> None:
    box = init_repo(tmp_path / "trunk", branch="trunk")
    box.write("a.txt", "a\n")
    head = box.commit("first")
    state = read_state(open_repo(box))
    assert (state.default_branch, state.base) == ("trunk", head)


def test_detached_head(work: Sandbox, open_repo: Open) -> None:
    shared = work.head()
    work.write("x.txt", "x\n")
    work.commit("local")
    work.git("checkout", "-q", "--detach")
    state = read_state(open_repo(work))
    assert state.branch is None
    assert state.base == shared
    assert state.head == work.head()


def test_empty_repository(local: Sandbox, open_repo: Open) -> None:
    state = read_state(open_repo(local))
    assert (state.branch, state.head, state.base, state.default_branch) == ("main", None, None, "main")


def test_no_common_ancestor_measures_from_head(work: Sandbox, open_repo: Open) -> None:
    work.git("checkout", "-q", "--orphan", "pages")
    work.write("index.html", "<p>hi</p>\n")
    head = work.commit("unrelated")
    state = read_state(open_repo(work))
    assert (state.branch, state.base, state.base_ref) == ("pages", head, "refs/remotes/origin/main")


def test_fetch_then_rebase_moves_the_base(work: Sandbox, origin: Path, tmp_path: Path, open_repo: Open) -> None:
    repo = open_repo(work)
    work.git("checkout", "-q", "-b", "feature")
    work.write("feature.txt", "f\n")
    work.commit("feature")
    before = read_state(repo)
    teammate = clone(origin, tmp_path / "teammate")
    teammate.write("README.md", "# Project, improved\n")
    moved = teammate.commit("teammate's change")
    teammate.git("push", "-q", "origin", "main")

    work.git("fetch", "-q", "origin")
    fetched = read_state(repo)
    assert fetched.base == before.base  # the common ancestor has not moved yet
    work.git("rebase", "-q", "origin/main")
    rebased = read_state(repo)
    assert rebased.base == moved
    assert rebased != before
    assert read_state(repo) == rebased  # a second read is identical: nothing to resync


def test_not_a_repository(tmp_path: Path) -> None:
    with pytest.raises(NotARepository):
        GitRepo(tmp_path)
