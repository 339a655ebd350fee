"""An activity service with nothing around it (no hub, no store), for tests of replication and states."""

from __future__ import annotations

from collections.abc import Callable

from backend.activity.recorder import Recorder
from backend.activity.service import ActivityService
from backend.activity.states import WorkcopyStates
from backend.bus.memory import MemoryBus
from backend.conflicts.model import Participant
from tandem.protocol import FileChange, Hunk


def _deliver_nowhere(_user: str, _data: bytes) -> None:
    return None


def bare_activity(
    bus: MemoryBus,
    states: WorkcopyStates,
    *,
    process_id: str,
    replicate: bool,
    deliver: Callable[[str, bytes], None] = _deliver_nowhere,
    here: Callable[[str], bool] = lambda _user: False,
) -> ActivityService:
    """``deliver`` and ``here`` stand for the hub: by default nobody is connected to this process."""
    return ActivityService(
        bus=bus,
        states=states,
        recorder=Recorder(store=None),  # type: ignore[arg-type]  # nothing here records anything
        deliver=deliver,
        here=here,
        process_id=process_id,
        replicate=replicate,
        grace=0,
    )


async def report_through(service: ActivityService, user: str, *files: FileChange, owner: object = None) -> None:
    """``user``'s working copy ``wc`` of repository ``r`` in project ``p``, reported through ``service``
    (by ``owner``, the connection that updates it later, or by a connection of its own)."""
    await service.snapshot(
        object() if owner is None else owner,
        Participant(user, "wc"),
        project_id="p",
        repository_id="r",
        branch="b",
        head="h",
        base="x",
        seq=1,
        files=files,
        focus=None,
    )


def one_line_change(path: str, line: int) -> FileChange:
    """``path`` modified on one line."""
    return FileChange(
        path=path, status="modified", hunks=(Hunk(base_start=line, base_lines=1, new_start=line, new_lines=1),)
    )
