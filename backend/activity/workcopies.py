"""Working-copy state as the hub keeps it, and the replication messages that carry it between processes."""

from __future__ import annotations

from dataclasses import dataclass, field

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
        """This working copy encoded as a :class:`State`: the one definition of what Redis and snapshots hold."""
        state = State(
            user_id=self.participant.user_id,
            workcopy=self.participant.copy_id,
            project_id=self.project_id,
            repository_id=self.repository_id,
            branch=self.branch,
            head=self.head,
            base=self.base,
            seq=self.seq,
            origin=self.origin,
            files=tuple(self.files.values()),
            focus=self.focus,
        )
        return _ENCODER.encode(state)

    @classmethod
    def from_json(cls, data: bytes) -> Workcopy:
        return cls.from_state(_STATE.decode(data))

    @classmethod
    def from_state(cls, state: State) -> Workcopy:
        return cls(
            participant=Participant(state.user_id, state.workcopy),
            project_id=state.project_id,
            repository_id=state.repository_id,
            branch=state.branch,
            head=state.head,
            base=state.base,
            seq=state.seq,
            origin=state.origin,
            files={f.path: f for f in state.files},
            focus=state.focus,
        )


_ENCODER = msgspec.json.Encoder()


class State(msgspec.Struct, frozen=True):
    """A working copy's state as :meth:`Workcopy.to_json` writes it (saved to Redis, inside snapshots)."""

    user_id: str
    workcopy: str
    project_id: str
    repository_id: str
    branch: str
    head: str
    base: str
    seq: int
    origin: str
    files: tuple[FileChange, ...]
    focus: Focus | None = None


_STATE = msgspec.json.Decoder(State)

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


# Decoded in one pass into typed messages (the tag need not come first: ``origin`` does, for the prefix).


class Snapshot(msgspec.Struct, frozen=True, tag="snapshot", tag_field="kind"):
    origin: str
    state: State


class Update(msgspec.Struct, frozen=True, tag="update", tag_field="kind"):
    origin: str
    user_id: str
    workcopy: str
    seq: int
    changed: tuple[FileChange, ...]
    removed: tuple[str, ...]
    focus: Focus | None


class Close(msgspec.Struct, frozen=True, tag="close", tag_field="kind"):
    origin: str
    user_id: str
    workcopy: str


Message = Snapshot | Update | Close
decode = msgspec.json.Decoder(Message).decode
