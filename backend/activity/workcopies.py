"""Working-copy state as the hub keeps it, and the replication messages that carry it between processes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import msgspec
import orjson

from backend.conflicts.convert import edit_from_wire
from backend.conflicts.model import FileEdit, Participant
from tandem.protocol import FileChange, Focus


@dataclass(slots=True)
class Workcopy:
    """The latest report of one working copy; ``files`` by working-copy path."""

    participant: Participant
    project_id: str
    repository_id: str
    branch: str
    head: str
    base: str
    seq: int
    origin: str
    """The backend process whose client reported it; only that process persists what it causes."""
    files: dict[str, FileChange] = field(default_factory=dict)
    focus: Focus | None = None

    def edits(self, changes: tuple[FileChange, ...] | list[FileChange] | None = None) -> list[FileEdit]:
        source = self.files.values() if changes is None else changes
        return [edit_from_wire(c, content_hash=c.content_hash or None) for c in source]

    def to_json(self) -> bytes:
        return _ENCODER.encode(
            {
                "user_id": self.participant.user_id,
                "workcopy": self.participant.copy_id,
                "project_id": self.project_id,
                "repository_id": self.repository_id,
                "branch": self.branch,
                "head": self.head,
                "base": self.base,
                "seq": self.seq,
                "origin": self.origin,
                "files": list(self.files.values()),
                "focus": self.focus,
            }
        )

    @classmethod
    def from_json(cls, data: bytes) -> Workcopy:
        return cls.from_dict(orjson.loads(data))

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Workcopy:
        files = msgspec.convert(raw["files"], tuple[FileChange, ...])
        return cls(
            participant=Participant(raw["user_id"], raw["workcopy"]),
            project_id=raw["project_id"],
            repository_id=raw["repository_id"],
            branch=raw["branch"],
            head=raw["head"],
            base=raw["base"],
            seq=raw["seq"],
            origin=raw["origin"],
            files={f.path: f for f in files},
            focus=msgspec.convert(raw["focus"], Focus | None),
        )


_ENCODER = msgspec.json.Encoder()

# -- replication between processes --------------------------------------------------------------------
# One message per change, encoded once and published on the project's activity channel. ``kind`` is
# ``snapshot`` (``state`` is a full Workcopy), ``update`` (changed files and removed paths) or ``close``.


def origin_prefix(origin: str) -> bytes:
    """Every replicated message starts with its origin, so a process skips its own without decoding them."""
    return b'{"origin":' + orjson.dumps(origin) + b","


def encode_snapshot(workcopy: Workcopy) -> bytes:
    return origin_prefix(workcopy.origin) + b'"kind":"snapshot","state":' + workcopy.to_json() + b"}"


def encode_update(
    origin: str,
    participant: Participant,
    seq: int,
    changed: tuple[FileChange, ...],
    removed: tuple[str, ...],
    focus: Focus | None,
) -> bytes:
    return _ENCODER.encode(
        {
            "origin": origin,
            "kind": "update",
            "user_id": participant.user_id,
            "workcopy": participant.copy_id,
            "seq": seq,
            "changed": changed,
            "removed": removed,
            "focus": focus,
        }
    )


def encode_close(origin: str, participant: Participant) -> bytes:
    return orjson.dumps(
        {"origin": origin, "kind": "close", "user_id": participant.user_id, "workcopy": participant.copy_id}
    )
