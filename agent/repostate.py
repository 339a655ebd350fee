"""Where a working copy stands: identity, branch, HEAD, default branch and the shared base commit.

``read_state`` is the cheap read the daemon repeats to notice that a resync is needed (a commit, a branch
switch, a pull, a rebase, a fetch that moved the default branch): refs are read from files by gitpython and
the one ``git merge-base`` is cached until HEAD or the default branch's tip moves. It blocks.
"""

from __future__ import annotations

import configparser
from dataclasses import dataclass
from pathlib import Path

import git
from git.refs.symbolic import SymbolicReference

from agent.gitrepo import GitRepo
from tandem.remotes import normalize_remote_url

FALLBACK_DEFAULT_BRANCHES = ("main", "master")


@dataclass(frozen=True, slots=True)
class RepoState:
    """A snapshot of the working copy's position; two equal states mean no resync is needed."""

    root: Path
    identity: str | None
    """Normalised URL of the chosen remote (``host/org/repo``); None without a remote: ``tandem init``."""
    remote: str | None
    """``origin`` when it exists, else the first remote configured."""
    branch: str | None
    """The checked-out branch (also before its first commit); None on a detached HEAD."""
    head: str | None
    """HEAD's commit; None before the first commit."""
    default_branch: str | None
    base_ref: str | None
    """The ref the base is computed against: the remote-tracking default branch when present."""
    base: str | None
    """merge-base(HEAD, base_ref): changes are measured from here. HEAD itself when there is no default
    branch or no common ancestor; None before the first commit (everything is added)."""


def read_state(repo: GitRepo) -> RepoState:
    """The working copy's state (blocking: file reads, at most one cached ``git merge-base``)."""
    r = repo.repo
    remote, url = _chosen_remote(r)
    branch = _current_branch(r)
    head = resolve(r, "HEAD")
    default_branch, base_ref = _default_branch(r, remote, branch)
    tip = resolve(r, base_ref) if base_ref else None
    return RepoState(
        root=repo.root,
        identity=normalize_remote_url(url, relative_to=str(repo.root)) if url else None,
        remote=remote,
        branch=branch,
        head=head,
        default_branch=default_branch,
        base_ref=base_ref,
        base=_base(repo, head, tip),
    )


def resolve(r: git.Repo, ref: str) -> str | None:
    """The commit id a ref (``HEAD``, ``refs/heads/main``...) points to, following symbolic refs; None when
    it does not exist (or HEAD is unborn)."""
    try:
        return SymbolicReference.dereference_recursive(r, ref)
    except ValueError:
        return None


def _chosen_remote(r: git.Repo) -> tuple[str | None, str | None]:
    remotes = list(r.remotes)
    if not remotes:
        return None, None
    chosen = next((rem for rem in remotes if rem.name == "origin"), remotes[0])
    try:
        url = str(chosen.config_reader.get("url"))
    except (configparser.NoOptionError, configparser.NoSectionError):
        url = None
    return chosen.name, url


def _current_branch(r: git.Repo) -> str | None:
    try:
        path = str(SymbolicReference(r, "HEAD").reference.path)
    except (TypeError, ValueError):  # detached, or HEAD unreadable
        return None
    return path.removeprefix("refs/heads/") if path.startswith("refs/heads/") else None


def _default_branch(r: git.Repo, remote: str | None, branch: str | None) -> tuple[str | None, str | None]:
    """``(name, ref)``: the remote's HEAD, else main/master, else the current branch; the remote-tracking ref
    is preferred to the local branch because it is what teammates share."""
    names: tuple[str, ...] = FALLBACK_DEFAULT_BRANCHES
    if remote is not None:
        prefix = f"refs/remotes/{remote}/"
        try:
            target = str(SymbolicReference(r, f"{prefix}HEAD").reference.path)
        except (TypeError, ValueError):
            target = ""
        if target.startswith(prefix):
            names = (target.removeprefix(prefix), *FALLBACK_DEFAULT_BRANCHES)
    for name in names:
        refs = ([f"refs/remotes/{remote}/{name}"] if remote else []) + [f"refs/heads/{name}"]
        for ref in refs:
            if resolve(r, ref) is not None:
                return name, ref
    if branch is not None:
        return branch, f"refs/heads/{branch}"
    return None, None


def _base(repo: GitRepo, head: str | None, tip: str | None) -> str | None:
    if head is None:
        return None
    if tip is None or tip == head:
        return head
    key = (head, tip)
    cached = repo.cached_merge_base(key)
    if cached is not None:
        return cached
    try:
        base = str(repo.repo.git.merge_base(head, tip)).strip() or head
    except git.GitCommandError as err:
        if err.status != 1:  # 1: no common ancestor (unrelated histories): measure from HEAD
            raise
        base = head
    repo.remember_merge_base(key, base)
    return base
