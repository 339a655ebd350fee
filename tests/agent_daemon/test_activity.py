"""The backend's view of a working copy follows what the developer does to it, through a real agent."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from agent.compute import compute_full
from agent.daemon import Agent
from agent.gitrepo import GitRepo
from agent.workcopy import Workcopy
from backend import keys
from backend.activity.workcopies import Workcopy as HeldWorkcopy
from backend.conflicts.model import Participant
from backend.errors import Unavailable
from tandem.protocol import FileChange
from tests.agent.sandbox import Sandbox
from tests.agent_daemon.conftest import MAIN_PY, Observer, Team, clone_of, team_with_repo

StartAgent = Callable[..., Awaitable[Agent]]
Observe = Callable[[Agent], Awaitable[Observer]]


def held(team: Team, agent: Agent, workcopy: Workcopy) -> HeldWorkcopy | None:
    participant = Participant(agent.user_id, workcopy.id)
    found: HeldWorkcopy | None = team.client.app[keys.HUB].activity.workcopies.get(participant)
    return found


async def expected(workcopy: Workcopy) -> tuple[dict[str, FileChange], tuple[str, str, str]]:
    """What git says: the changed files, and (branch, head, base)."""

    def compute() -> tuple[dict[str, FileChange], tuple[str, str, str]]:
        with GitRepo(workcopy.root) as repo:
            computed = compute_full(repo, workcopy.key, {})
        files = {p: c for p, c in computed.changes.items() if c is not None}
        state = computed.state
        return files, (state.branch or "", state.head or "", state.base or "")

    return await asyncio.to_thread(compute)


async def in_sync(team: Team, agent: Agent, workcopy: Workcopy, observer: Observer) -> HeldWorkcopy:
    """Wait until the backend holds exactly what git says the working copy changed, at the same commit."""
    state: dict[str, HeldWorkcopy | None] = {}

    async def matches() -> bool:
        view = held(team, agent, workcopy)
        state["view"] = view
        if view is None:
            return False
        files, position = await expected(workcopy)
        return view.files == files and (view.branch, view.head, view.base) == position

    await observer.until(matches)
    view = state["view"]
    assert view is not None
    return view


async def setup(
    team_client: Any, start_agent: StartAgent, observe: Observe, tmp_path: Path, origin: Path
) -> tuple[Team, Agent, Workcopy, Sandbox, Observer]:
    """Alice's agent watching her clone of the registered repository, reported and ready."""
    team = await team_with_repo(team_client, 1)
    box = clone_of(origin, tmp_path / "alice")
    agent = await start_agent(team, 0, box.root)
    observer = await observe(agent)
    (workcopy,) = agent.workcopies.values()
    async with asyncio.timeout(10):
        while workcopy.status != "ready":
            await observer.client.events.get()
    return team, agent, workcopy, box, observer


async def test_edits_commits_branches_and_files_follow_the_working_copy(
    client: Any, start_agent: StartAgent, observe: Observe, tmp_path: Path, origin: Path
) -> None:
    team, agent, workcopy, box, observer = await setup(client, start_agent, observe, tmp_path, origin)
    view = await in_sync(team, agent, workcopy, observer)
    assert view.files == {}
    assert view.branch == "feature"

    # edit and save
    box.write("app/main.py", MAIN_PY.replace("y = x * 3", "y = x * 33"))
    view = await in_sync(team, agent, workcopy, observer)
    (change,) = view.files.values()
    assert change.path == "app/main.py"
    assert change.hunks is not None
    assert change.hunks[0].symbols == ("f3",)

    # stage, then commit: committed-but-unpushed work still counts, HEAD moved
    box.git("add", "app/main.py")
    await in_sync(team, agent, workcopy, observer)
    head = box.commit("edit f3")
    view = await in_sync(team, agent, workcopy, observer)
    assert view.head == head
    assert set(view.files) == {"app/main.py"}

    # untracked file, binary file, deletion
    box.write("app/new.py", "def brand_new():\n    pass\n")
    box.write("logo.bin", bytes(range(255, -1, -1)) * 4)
    (box.root / "app/util.py").unlink()
    view = await in_sync(team, agent, workcopy, observer)
    assert view.files["app/new.py"].status == "added"
    assert view.files["logo.bin"].hunks is None
    assert view.files["logo.bin"].binary
    assert view.files["app/util.py"].status == "deleted"

    # switch branch: a fresh snapshot of the other branch
    box.git("add", "-A")
    box.git("commit", "-q", "-m", "more")
    box.git("checkout", "-q", "main")
    view = await in_sync(team, agent, workcopy, observer)
    assert view.branch == "main"
    assert view.files == {}


async def test_rename_and_ignored_files(
    client: Any, start_agent: StartAgent, observe: Observe, tmp_path: Path, origin: Path
) -> None:
    team, agent, workcopy, box, observer = await setup(client, start_agent, observe, tmp_path, origin)
    await in_sync(team, agent, workcopy, observer)

    (box.root / "app/util.py").rename(box.root / "app/helpers.py")
    view = await in_sync(team, agent, workcopy, observer)
    assert view.files["app/helpers.py"].status == "renamed"
    assert view.files["app/helpers.py"].old_path == "app/util.py"

    # Ignored files never leave the machine: only the real edit after them arrives, in one message.
    sent = workcopy.messages
    box.write("build/out.py", "generated = True\n")
    box.write("debug.log", "noise\n")
    box.write("README.md", "# Widgets, edited\n")
    view = await in_sync(team, agent, workcopy, observer)
    assert "README.md" in view.files
    assert not any(p.startswith("build/") or p.endswith(".log") for p in view.files)
    assert workcopy.messages == sent + 1


async def test_rebase_onto_a_moved_main(
    client: Any, start_agent: StartAgent, observe: Observe, tmp_path: Path, origin: Path
) -> None:
    team, agent, workcopy, box, observer = await setup(client, start_agent, observe, tmp_path, origin)
    box.write("app/main.py", MAIN_PY.replace("y = x * 1\n", "y = x * 100\n"))
    box.commit("mine")
    await in_sync(team, agent, workcopy, observer)

    # A teammate's work lands on main; fetching it and rebasing moves the base.
    other = clone_of(origin, tmp_path / "other")
    other.git("checkout", "-q", "main")
    other.write("README.md", "# Widgets\n\nMore.\n")
    other.commit("docs")
    other.git("push", "-q", str(origin), "main")
    box.git("fetch", "-q", str(origin), "main:refs/remotes/origin/main")
    box.git("rebase", "-q", "origin/main")
    view = await in_sync(team, agent, workcopy, observer)
    assert view.base == other.head()
    assert set(view.files) == {"app/main.py"}


async def test_unsaved_buffers_override_the_disk_until_closed(
    client: Any, start_agent: StartAgent, observe: Observe, tmp_path: Path, origin: Path
) -> None:
    team, agent, workcopy, box, observer = await setup(client, start_agent, observe, tmp_path, origin)
    path = str(box.root / "app/util.py")
    await observer.client.call("buffer.open", path=path, text="def helper():\n    return 43\n", version=3)

    async def buffer_held() -> bool:
        view = held(team, agent, workcopy)
        return view is not None and "app/util.py" in view.files

    await observer.until(buffer_held)
    assert (box.root / "app/util.py").read_text() == "def helper():\n    return 42\n"  # disk untouched
    await observer.client.call("focus", path=path, line=2)
    await observer.client.call("buffer.close", path=path)
    view = await in_sync(team, agent, workcopy, observer)
    assert view.files == {}
    assert view.focus is not None
    assert view.focus.path == "app/util.py"


async def test_a_report_the_backend_could_not_take_is_made_good_by_the_next_one(
    client: Any, start_agent: StartAgent, observe: Observe, tmp_path: Path, origin: Path
) -> None:
    # `unavailable` (scale-out: Redis away) means nothing of the report was kept: the agent's next report
    # must be a full snapshot, or the refused report's files would be missing on the backend for good.
    team, agent, workcopy, box, observer = await setup(client, start_agent, observe, tmp_path, origin)
    await in_sync(team, agent, workcopy, observer)
    activity = team.client.app[keys.HUB].activity
    update = activity.update
    refused = asyncio.Event()

    async def away(*args: Any, **kwargs: Any) -> bool:
        refused.set()
        raise Unavailable("the other backend processes cannot be told right now; send it again")

    activity.update = away
    box.write("app/main.py", MAIN_PY.replace("y = x * 3", "y = x * 33"))
    await asyncio.wait_for(refused.wait(), 10)
    assert held(team, agent, workcopy) is not None
    assert "app/main.py" not in held(team, agent, workcopy).files  # type: ignore[union-attr]

    activity.update = update  # the bus is back; the next report covers both files
    box.write("app/util.py", "def helper():\n    return 43\n")
    view = await in_sync(team, agent, workcopy, observer)
    assert set(view.files) == {"app/main.py", "app/util.py"}
