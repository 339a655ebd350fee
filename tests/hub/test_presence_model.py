"""Presence entries serialise every field (what teammates and Redis see) and read back the same."""

from __future__ import annotations

import dataclasses

from backend.presence.model import PresenceEntry


def test_to_dict_is_asdict_and_round_trips() -> None:
    entry = PresenceEntry("u1", "away", branch="feat", file="a.py", last_seen=2.5, last_active=1.5, away=True)
    # to_dict is written out by hand for speed; a new field must not be forgotten there.
    assert entry.to_dict() == dataclasses.asdict(entry)
    assert list(entry.to_dict()) == [f.name for f in dataclasses.fields(PresenceEntry)]
    assert PresenceEntry.from_dict(entry.to_dict()) == entry
