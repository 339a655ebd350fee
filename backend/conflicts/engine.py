"""The conflict engine: which working copy changes which file, and the findings between them as updates arrive."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import msgspec

from backend.conflicts.compare import compare
from backend.conflicts.findings import (
    ChangeKind,
    Finding,
    FindingChange,
    ResolveReason,
    Verdict,
    finding_id,
)
from backend.conflicts.linemap import BaseMaps
from backend.conflicts.model import FileEdit, Participant

_Key = tuple[str, str, Participant, Participant]
"""(repository, base path, a, b) with a < b: one finding."""


@dataclass(slots=True)
class _Copy:
    """What one participant reported for one repository."""

    base: str
    branch: str
    files: dict[str, FileEdit] = field(default_factory=dict)
    """By base path (``FileEdit.key``)."""
    keys: dict[str, str] = field(default_factory=dict)
    """Working-copy path to base path, for removals and renames."""


class ConflictEngine:
    """Keeps every participant's changed files and the findings between them; returns what each update changed.

    Files are indexed per (repository, base path), so an update compares the changed file only with the
    other participants touching that same file. Not thread-safe: one owner (the hub) calls it.
    """

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        base_maps: BaseMaps | None = None,
        compare_same_user: bool = False,
    ) -> None:
        self._clock = clock
        self._base_maps = base_maps
        self._compare_same_user = compare_same_user
        self._copies: dict[Participant, dict[str, _Copy]] = {}
        self._touching: dict[tuple[str, str], dict[Participant, _Copy]] = {}
        self._findings: dict[_Key, Finding] = {}
        self._by_participant: dict[Participant, set[_Key]] = {}
        self._by_repo: dict[str, set[_Key]] = {}
        self.comparisons = 0
        """Pairs of file edits compared so far (to show that work follows the people touching a file)."""

    def apply_snapshot(
        self, participant: Participant, repo: str, *, base: str, branch: str = "", files: Iterable[FileEdit]
    ) -> list[FindingChange]:
        """Replace everything the participant had for the repository (a full report, e.g. after reconnecting)."""
        now = self._clock()
        out: list[FindingChange] = []
        wanted = {edit.key: edit for edit in files}
        copy, rebased = self._copy(participant, repo, base, branch)
        for key in [key for key in copy.files if key not in wanted]:
            self._withdraw(repo, key, participant, copy, ResolveReason.WITHDRAWN, now, out)
        copy.keys = {edit.path: key for key, edit in wanted.items()}
        for key, edit in wanted.items():
            self._put(repo, key, participant, copy, edit, rebased, now, out)
        self._forget_if_empty(participant, repo, copy)
        return out

    def apply_delta(
        self,
        participant: Participant,
        repo: str,
        *,
        base: str,
        changed: Iterable[FileEdit] = (),
        removed: Iterable[str] = (),
        branch: str | None = None,
    ) -> list[FindingChange]:
        """Apply some files' changes and removals (working-copy or base paths); idempotent per file.

        A path both changed and removed in one delta counts as changed.
        """
        now = self._clock()
        out: list[FindingChange] = []
        copy, rebased = self._copy(participant, repo, base, branch)
        changed = list(changed)
        changing = {edit.path for edit in changed}
        for path in removed:
            key = copy.keys.get(path, path)
            if path not in changing and key in copy.files:
                self._withdraw(repo, key, participant, copy, ResolveReason.WITHDRAWN, now, out)
        done: set[str] = set()
        for edit in changed:
            key = edit.key
            previous = copy.keys.get(edit.path)
            if previous is not None and previous != key and previous in copy.files:
                self._withdraw(repo, previous, participant, copy, ResolveReason.WITHDRAWN, now, out)
            copy.keys[edit.path] = key
            self._put(repo, key, participant, copy, edit, rebased, now, out)
            done.add(key)
        if rebased:
            for key in [key for key in copy.files if key not in done]:
                self._recheck(repo, key, participant, copy, now, out)
        self._forget_if_empty(participant, repo, copy)
        return out

    def land(self, participant: Participant, repo: str) -> list[FindingChange]:
        """The participant's work in the repository was merged: its findings resolve as landed."""
        return self._drop(participant, repo, ResolveReason.LANDED)

    def remove_participant(self, participant: Participant) -> list[FindingChange]:
        """The participant left: forget its working copies and resolve its findings."""
        out: list[FindingChange] = []
        for repo in list(self._copies.get(participant, {})):
            out.extend(self._drop(participant, repo, ResolveReason.LEFT))
        return out

    def findings_for(self, participant: Participant) -> list[Finding]:
        return self._sorted(self._by_participant.get(participant, ()))

    def findings_for_repo(self, repo: str) -> list[Finding]:
        return self._sorted(self._by_repo.get(repo, ()))

    def touching(self, repo: str, path: str) -> list[Participant]:
        """Who has a change to this base path."""
        return sorted(self._touching.get((repo, path), ()))

    def _sorted(self, keys: Iterable[_Key]) -> list[Finding]:
        return sorted((self._findings[key] for key in keys), key=lambda f: (f.repo, f.path, f.a, f.b))

    def _copy(self, participant: Participant, repo: str, base: str, branch: str | None) -> tuple[_Copy, bool]:
        repos = self._copies.setdefault(participant, {})
        copy = repos.get(repo)
        if copy is None:
            copy = repos[repo] = _Copy(base, branch or "")
            return copy, False
        rebased = copy.base != base
        copy.base = base
        if branch is not None:
            copy.branch = branch
        return copy, rebased

    def _forget_if_empty(self, participant: Participant, repo: str, copy: _Copy) -> None:
        if not copy.files:
            repos = self._copies[participant]
            del repos[repo]
            if not repos:
                del self._copies[participant]

    def _drop(self, participant: Participant, repo: str, reason: ResolveReason) -> list[FindingChange]:
        now = self._clock()
        out: list[FindingChange] = []
        repos = self._copies.get(participant, {})
        copy = repos.get(repo)
        if copy is None:
            return out
        for key in list(copy.files):
            self._withdraw(repo, key, participant, copy, reason, now, out)
        self._forget_if_empty(participant, repo, copy)
        return out

    def _put(
        self,
        repo: str,
        key: str,
        participant: Participant,
        copy: _Copy,
        edit: FileEdit,
        rebased: bool,
        now: float,
        out: list[FindingChange],
    ) -> None:
        old = copy.files.get(key)
        if old == edit and not rebased:
            return
        copy.files[key] = edit
        if old is None:
            self._touching.setdefault((repo, key), {})[participant] = copy
        self._recheck(repo, key, participant, copy, now, out)

    def _withdraw(
        self,
        repo: str,
        key: str,
        participant: Participant,
        copy: _Copy,
        reason: ResolveReason,
        now: float,
        out: list[FindingChange],
    ) -> None:
        edit = copy.files.pop(key)
        if copy.keys.get(edit.path) == key:
            del copy.keys[edit.path]
        bucket = self._touching[(repo, key)]
        del bucket[participant]
        if not bucket:
            del self._touching[(repo, key)]
        for other in bucket:
            pair = (repo, key, participant, other) if participant < other else (repo, key, other, participant)
            finding = self._findings.get(pair)
            if finding is not None:
                self._resolve(pair, finding, reason, now, out)

    def _recheck(
        self, repo: str, key: str, participant: Participant, copy: _Copy, now: float, out: list[FindingChange]
    ) -> None:
        bucket = self._touching[(repo, key)]
        if len(bucket) < 2:
            return
        edit = copy.files[key]
        for other, other_copy in bucket.items():
            if other is participant or other == participant:
                continue
            if other.user_id == participant.user_id and not self._compare_same_user:
                continue
            self.comparisons += 1
            if participant < other:
                pair = (repo, key, participant, other)
                verdict, approximate = self._compare(repo, key, copy, edit, other_copy, other_copy.files[key])
            else:
                pair = (repo, key, other, participant)
                verdict, approximate = self._compare(repo, key, other_copy, other_copy.files[key], copy, edit)
            old = self._findings.get(pair)
            if verdict is None:
                if old is not None:
                    self._resolve(pair, old, ResolveReason.CLEARED, now, out)
            elif old is None:
                self._open(pair, verdict, approximate, now, out)
            elif not old.same_as(verdict, approximate):
                updated = msgspec.structs.replace(
                    old,
                    severity=verdict.severity,
                    regions=verdict.regions,
                    symbols=verdict.symbols,
                    approximate=approximate,
                    updated_at=now,
                )
                self._findings[pair] = updated
                out.append(FindingChange(ChangeKind.UPDATED, updated))

    def _compare(
        self, repo: str, key: str, copy_a: _Copy, edit_a: FileEdit, copy_b: _Copy, edit_b: FileEdit
    ) -> tuple[Verdict | None, bool]:
        if copy_a.base == copy_b.base:
            return compare(edit_a, edit_b), False
        line_map = None
        if self._base_maps is not None:
            line_map = self._base_maps.line_map(repo, key, copy_a.base, copy_b.base)
        return compare(edit_a, edit_b, line_map), line_map is None

    def _open(self, pair: _Key, verdict: Verdict, approximate: bool, now: float, out: list[FindingChange]) -> None:
        repo, path, a, b = pair
        finding = Finding(
            id=finding_id(repo, path, a, b),
            repo=repo,
            path=path,
            a=a,
            b=b,
            severity=verdict.severity,
            regions=verdict.regions,
            symbols=verdict.symbols,
            approximate=approximate,
            opened_at=now,
            updated_at=now,
        )
        self._findings[pair] = finding
        self._by_participant.setdefault(a, set()).add(pair)
        self._by_participant.setdefault(b, set()).add(pair)
        self._by_repo.setdefault(repo, set()).add(pair)
        out.append(FindingChange(ChangeKind.OPENED, finding))

    def _resolve(
        self, pair: _Key, finding: Finding, reason: ResolveReason, now: float, out: list[FindingChange]
    ) -> None:
        del self._findings[pair]
        for participant in (finding.a, finding.b):
            keys = self._by_participant[participant]
            keys.discard(pair)
            if not keys:
                del self._by_participant[participant]
        repo_keys = self._by_repo[finding.repo]
        repo_keys.discard(pair)
        if not repo_keys:
            del self._by_repo[finding.repo]
        out.append(FindingChange(ChangeKind.RESOLVED, msgspec.structs.replace(finding, updated_at=now), reason))
