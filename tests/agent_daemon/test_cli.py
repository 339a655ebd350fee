"""The command line end to end: login, the daemon's life (auto-start, one instance, stop), status, --once, init."""

from __future__ import annotations

import asyncio
import os
import stat
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest

from agent.config import Credentials, save_credentials, socket_path
from agent.localclient import LocalClient
from tests.agent_daemon.conftest import MAIN_PY, Team, clone_of, team_with_repo
from tests.helpers import PASSWORD

WAIT = 30.0


@dataclass
class Run:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return orjson.loads(self.out)


@dataclass
class User:
    """One person's environment: their own config dir (credentials) and runtime dir (socket)."""

    config: Path
    runtime: Path

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "TANDEM_CONFIG_DIR": str(self.config), "TANDEM_RUNTIME_DIR": str(self.runtime)}

    async def tandem(self, *args: str, stdin: str | None = None) -> Run:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tandem",
            *args,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self.env,
            start_new_session=True,  # no controlling terminal: getpass reads stdin
        )
        out, err = await asyncio.wait_for(proc.communicate(stdin.encode() if stdin else b""), WAIT)
        assert proc.returncode is not None
        return Run(proc.returncode, out.decode(), err.decode())


async def process_exit(pid: int) -> None:
    """Wait (without polling) until process ``pid`` has ended."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    loop = asyncio.get_running_loop()
    ended: asyncio.Future[None] = loop.create_future()

    def readable() -> None:
        if not ended.done():
            ended.set_result(None)

    loop.add_reader(fd, readable)
    try:
        await asyncio.wait_for(ended, 10.0)
    finally:
        loop.remove_reader(fd)
        os.close(fd)


@pytest.fixture
async def users(short_dir: Callable[[str], Path]) -> AsyncIterator[Callable[[], User]]:
    """``users()`` makes a person; every agent they started is stopped (and waited for) at the end."""
    made: list[User] = []

    def make() -> User:
        user = User(short_dir("cfg"), short_dir("run"))
        made.append(user)
        return user

    yield make
    for user in made:
        if socket_path(user.runtime).exists():
            try:
                async with LocalClient(socket_path(user.runtime)) as client:
                    pid = (await client.call("status"))["agent"]["pid"]
                    await client.call("stop")
            except OSError:
                continue
            await process_exit(pid)


async def signed_in(team: Team, index: int, users: Callable[[], User]) -> User:
    user = users()
    run = await user.tandem("login", "--server", team.server, "--token", team.tokens[index])
    assert run.code == 0, run.err
    return user


async def test_login_with_a_token_keeps_it_private(client: Any, users: Callable[[], User]) -> None:
    team = await team_with_repo(client, 1)
    user = await signed_in(team, 0, users)
    path = user.config / "credentials.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(user.config.stat().st_mode) == 0o700
    assert orjson.loads(path.read_bytes())["token"] == team.tokens[0]

    run = await user.tandem("login", "--server", team.server, "--token", "tdm_pat_not-a-real-token")
    assert run.code != 0
    assert "refused this token" in run.err


async def test_login_with_a_password_creates_an_agent_token(client: Any, users: Callable[[], User]) -> None:
    team = await team_with_repo(client, 1)
    account = team.accounts[0]
    user = users()
    run = await user.tandem("login", "--server", team.server, "--email", account.email, stdin=PASSWORD + "\n")
    assert run.code == 0, run.err
    saved = orjson.loads((user.config / "credentials.json").read_bytes())
    assert saved["email"] == account.email
    resp = await client.get("/api/me/tokens", headers=account.headers)
    tokens = (await resp.json())["items"]
    assert any(t["id"] == saved["token_id"] and sorted(t["scopes"]) == ["agent", "read"] for t in tokens)

    wrong = await user.tandem("login", "--server", team.server, "--email", account.email, stdin="nope-nope-nope\n")
    assert wrong.code != 0
    assert "wrong email or password" in wrong.err


async def test_wrong_server_url_is_named(users: Callable[[], User]) -> None:
    user = users()
    run = await user.tandem("login", "--server", "http://127.0.0.1:9", "--token", "x")
    assert run.code != 0
    assert "cannot reach the Tandem server at http://127.0.0.1:9" in run.err

    save_credentials(user.config, Credentials(server="http://127.0.0.1:9", token="x"))
    status = (await user.tandem("status", "--json")).json()
    assert status["connection"]["state"] == "offline"
    assert "cannot reach http://127.0.0.1:9" in status["connection"]["message"]


async def test_status_starts_one_agent_which_stops_on_request(
    client: Any, users: Callable[[], User], tmp_path: Path, origin: Path
) -> None:
    team = await team_with_repo(client, 1)
    user = await signed_in(team, 0, users)
    box = clone_of(origin, tmp_path / "alice")

    run = await user.tandem("status", str(box.root), "--json")
    assert run.code == 0, run.err
    status = run.json()
    assert status["connection"]["state"] == "online"
    (workcopy,) = status["workcopies"]
    assert workcopy["status"] == "ready"
    assert workcopy["project_id"] == team.project_id
    pid = status["agent"]["pid"]
    assert stat.S_IMODE(socket_path(user.runtime).stat().st_mode) == 0o600

    again = await user.tandem("agent")
    assert again.code == 0
    assert "already running" in again.out

    paused = await user.tandem("agent", "pause")
    assert paused.code == 0, paused.err
    assert (await user.tandem("status", "--json")).json()["connection"]["paused"] is True
    assert (await user.tandem("agent", "resume")).code == 0

    stopped = await user.tandem("agent", "stop")
    assert stopped.code == 0
    await process_exit(pid)
    assert not socket_path(user.runtime).exists()


async def test_two_people_editing_the_same_lines_both_see_it(
    client: Any, users: Callable[[], User], tmp_path: Path, origin: Path
) -> None:
    team = await team_with_repo(client, 2)
    alice, bob = await signed_in(team, 0, users), await signed_in(team, 1, users)
    a, b = clone_of(origin, tmp_path / "a"), clone_of(origin, tmp_path / "b")
    a.write("app/main.py", MAIN_PY.replace("y = x * 5", "y = x * 50"))
    b.write("app/main.py", MAIN_PY.replace("y = x * 5", "y = x * 500"))

    assert (await alice.tandem("status", str(a.root), "--json")).json()["findings"] == []
    async with LocalClient(socket_path(alice.runtime)) as watcher:
        await watcher.call("subscribe")
        (finding,) = (await bob.tandem("status", str(b.root), "--json")).json()["findings"]
        assert finding["severity"] == "conflict"
        assert finding["path"] == "app/main.py"
        assert finding["other"]["user_id"] == team.accounts[0].user_id
        async with asyncio.timeout(10):
            while True:
                event = await watcher.events.get()
                if event["type"] == "findings" and event["findings"]:
                    break
    (seen,) = (await alice.tandem("status", str(a.root), "--json")).json()["findings"]
    assert seen["id"] == finding["id"]
    assert seen["file"] == str(a.root / "app/main.py")
    assert seen["regions"][0]["mine"]["new"]["start"] == 27  # f5's body line, in alice's working copy

    once = await bob.tandem("agent", "--once", str(b.root), "--json")
    assert once.code == 0, once.err
    result = once.json()
    assert result["reported"] is True
    assert [f["id"] for f in result["findings"]] == [finding["id"]]
    text = await bob.tandem("agent", "--once", str(b.root))
    assert "conflict: app/main.py" in text.out


async def test_init_links_a_working_copy_and_unknown_repositories_are_explained(
    client: Any, users: Callable[[], User], tmp_path: Path, origin: Path
) -> None:
    team = await team_with_repo(client, 1)
    user = await signed_in(team, 0, users)
    box = clone_of(origin, tmp_path / "alice")
    box.git("remote", "set-url", "origin", "git@github.com:acme/gadgets.git")

    once = await user.tandem("agent", "--once", str(box.root))
    assert once.code == 1
    assert "belongs to none of your projects" in once.err
    assert "tandem init" in once.err

    init = await user.tandem("init", str(box.root), "--project", team.project_id)
    assert init.code == 0, init.err
    assert "not registered" in init.out
    assert team.project_id in (box.root / ".tandem.toml").read_text()

    resp = await client.post(
        f"/api/projects/{team.project_id}/repositories",
        json={"remote_url": "https://github.com/acme/gadgets"},
        headers=team.accounts[0].headers,
    )
    assert resp.status == 201, await resp.json()
    once = await user.tandem("agent", "--once", str(box.root), "--json")
    assert once.code == 0, once.err
    assert once.json()["workcopy"]["project_id"] == team.project_id
