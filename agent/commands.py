"""The agent's side of the ``tandem`` command line: login, agent, status and init (wired in ``tandem.cli``)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from pathlib import Path
from typing import Any

import orjson

from agent import config
from agent.localclient import AgentError, LocalClient, agent_running, ensure_agent
from tandem.cli import CliError

# Heavier modules (aiohttp, gitpython, websockets) are imported by the commands that need them: `tandem status`
# should answer fast.


def _dirs() -> tuple[Path, Path]:
    return config.config_dir(), config.runtime_dir()


def _credentials(directory: Path) -> config.Credentials:
    try:
        credentials = config.load_credentials(directory)
    except config.ConfigError as err:
        raise CliError(str(err)) from err
    if credentials is None:
        raise CliError("not signed in: run `tandem login --server URL` first")
    return credentials


def _print_json(value: Any) -> None:
    sys.stdout.write(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode() + "\n")


async def _call(runtime: Path, type_: str, **fields: Any) -> dict[str, Any]:
    async with LocalClient(config.socket_path(runtime)) as client:
        return await client.call(type_, **fields)


# -- tandem login ------------------------------------------------------------------------------------------


def cmd_login(args: argparse.Namespace) -> int:
    from agent.account import AccountError, login_with_password, login_with_token

    config_dir, runtime = _dirs()
    previous = None
    try:
        previous = config.load_credentials(config_dir)
    except config.ConfigError:
        previous = None
    server = args.server or os.environ.get("TANDEM_SERVER") or (previous.server if previous else config.DEFAULT_SERVER)
    try:
        if args.token:
            credentials = asyncio.run(login_with_token(server, args.token))
        else:
            email = args.email or (previous.email if previous else "") or input("Email: ").strip()
            password = getpass.getpass(f"Password for {email}: ")
            credentials = asyncio.run(login_with_password(server, email, password))
    except AccountError as err:
        raise CliError(str(err)) from err
    path = config.save_credentials(config_dir, credentials)
    print(f"Signed in to {server} as {credentials.email}; token saved in {path} (readable by you only).")
    if agent_running(runtime):
        asyncio.run(_call(runtime, "reconnect"))
        print("The running agent now uses it.")
    return 0


# -- tandem agent ------------------------------------------------------------------------------------------


def cmd_agent(args: argparse.Namespace) -> int:
    from agent.service import AlreadyRunning, run

    config_dir, runtime = _dirs()
    if args.once:
        return _once(config_dir, Path(args.once), as_json=args.json)
    if args.paths and args.paths[0] in ("stop", "pause", "resume"):
        return _control(runtime, args.paths[0])
    if args.paths and args.paths[0] == "run":
        args.paths = args.paths[1:]
    try:
        run(config_dir, runtime, [Path(p) for p in args.paths], log_level=args.log_level)
    except AlreadyRunning:
        print(f"tandem: an agent is already running for this user (socket {config.socket_path(runtime)})")
        if args.paths:
            for path in args.paths:
                asyncio.run(_call(runtime, "workcopy.add", path=str(Path(path).resolve())))
            print("  it now watches " + ", ".join(args.paths))
        return 0
    except config.ConfigError as err:
        raise CliError(str(err)) from err
    return 0


def _control(runtime: Path, action: str) -> int:
    if not agent_running(runtime):
        if action == "stop":
            print("no agent is running")
            return 0
        ensure_agent(runtime)
    try:
        asyncio.run(_call(runtime, action))
    except AgentError as err:
        raise CliError(f"the agent refused `{action}`: {err.message}") from err
    print(
        {
            "stop": "agent stopping",
            "pause": "paused: nothing is reported, teammates see you away (`tandem agent resume` to continue)",
            "resume": "resumed: reporting again",
        }[action]
    )
    return 0


def _once(config_dir: Path, path: Path, *, as_json: bool) -> int:
    from agent.once import OnceError, report_once

    credentials = _credentials(config_dir)
    try:
        result = asyncio.run(report_once(credentials, path))
    except OnceError as err:
        raise CliError(str(err)) from err
    if as_json:
        _print_json(result.to_json())
    else:
        info = result.workcopy
        if result.reported:
            print(
                f"Reported {info.files} changed file(s) of {info.root} to {info.project_name} (branch {info.branch})."
            )
            _print_findings([f.model_dump() for f in result.findings])
        else:
            print(f"tandem: not reported: {info.message or result.connection.message}", file=sys.stderr)
    return 0 if result.reported else 1


# -- tandem status -----------------------------------------------------------------------------------------


def cmd_status(args: argparse.Namespace) -> int:
    _config_dir, runtime = _dirs()
    path = Path(args.path).resolve() if args.path else None
    try:
        ensure_agent(runtime)
        status = asyncio.run(_status(runtime, path, wait=args.wait))
    except AgentError as err:
        raise CliError(err.message) from err
    if args.json:
        _print_json(status)
    else:
        _print_status(status)
    return 0


async def _status(runtime: Path, path: Path | None, *, wait: float) -> dict[str, Any]:
    """Status; with ``wait``, a just-started agent gets that long to connect and report first."""
    target = str(path) if path else None
    async with LocalClient(config.socket_path(runtime)) as client:
        await client.call("subscribe")
        status = await client.call("status", path=target)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while not _settled(status) and loop.time() < deadline:
            try:
                await asyncio.wait_for(client.events.get(), deadline - loop.time())
            except TimeoutError:
                break
            status = await client.call("status", path=target)
        status["names"] = await _names(client, status)
        return status


async def _names(client: LocalClient, status: dict[str, Any]) -> dict[str, str]:
    """Display names of the people the status mentions (``user_id`` where the server cannot say)."""
    names: dict[str, str] = {}
    projects = {w["project_id"] for w in status["workcopies"] if w.get("project_id")}
    projects |= {p["project_id"] for p in status["presence"] if p.get("project_id")}
    for project_id in projects:
        try:
            members = await client.call("members", project_id=project_id)
        except AgentError:
            continue  # offline, or no longer a member: ids will do
        names.update({m["user_id"]: m["name"] or m["email"] for m in members["items"] if m["name"] or m["email"]})
    return names


def _settled(status: dict[str, Any]) -> bool:
    """Connected (or failed for a reason retrying will not fix) and every working copy reported."""
    state = status["connection"]["state"]
    if state == "connecting":
        return False
    if state != "online":
        return True
    return all(w["status"] not in ("starting", "offline") for w in status["workcopies"])


def _print_status(status: dict[str, Any]) -> None:
    conn = status["connection"]
    agent = status["agent"]
    where = f" to {conn['server']}" if conn.get("server") else ""
    who = f" as {conn['email']}" if conn.get("email") else ""
    line = f"Agent: running (pid {agent['pid']}), {conn['state']}{where}{who}"
    print(line + (" — PAUSED" if conn.get("paused") else ""))
    if conn.get("message"):
        print(f"  {conn['message']}")
    for w in status["workcopies"]:
        project = w["project_name"] or "(no project)"
        print(
            f"Working copy: {w['root']} — {w['status']}, project {project}, branch {w['branch'] or '(detached)'}, "
            f"{w['files']} changed file(s)"
        )
        if w.get("message"):
            print(f"  {w['message']}")
    online = [p for p in status["presence"] if p["state"] != "offline"]
    print(f"Teammates online: {len(online)}")
    names: dict[str, str] = status.get("names", {})
    for p in online:
        who = names.get(p["user_id"], p["user_id"])
        print(f"  {who}: {p['state']}, branch {p['branch'] or '-'}, {p['file'] or '-'}")
    _print_findings(status["findings"], names)


def _print_findings(findings: list[dict[str, Any]], names: dict[str, str] | None = None) -> None:
    names = names or {}
    print(f"Open findings: {len(findings)}")
    for f in findings:
        lines = ", ".join(
            f"{r['mine']['new']['start']}-{r['mine']['new']['start'] + max(r['mine']['new']['lines'], 1) - 1}"
            for r in f["regions"]
        )
        symbols = f" in {', '.join(f['symbols'])}" if f["symbols"] else ""
        other = f["other"]
        who = names.get(other["user_id"], other["user_id"])
        print(
            f"  {f['severity']}: {f['path']} lines {lines or '-'}{symbols} with {who} (branch {other['branch'] or '-'})"
        )


# -- tandem init -------------------------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> int:
    from agent.account import AccountError, Api
    from agent.gitrepo import GitRepo, NotARepository
    from agent.repostate import read_state

    config_dir, runtime = _dirs()
    credentials = _credentials(config_dir)
    try:
        with GitRepo(Path(args.path or ".").resolve()) as repo:
            root, identity = repo.root, read_state(repo).identity
    except NotARepository as err:
        raise CliError(f"{args.path or '.'} is not inside a git working copy") from err
    if identity is None:
        raise CliError("this repository has no remote; add one first (git remote add origin URL)")
    api = Api(credentials.server, credentials.token)
    try:
        project, registered = asyncio.run(_choose(api, args.project, identity))
    except AccountError as err:
        raise CliError(str(err)) from err
    path = config.write_link(root, project["id"], project["name"])
    print(f"Linked {root} to project {project['name']} ({project['id']}) in {path}.")
    if registered:
        print(f"{identity} is registered in that project: the agent reports it.")
    else:
        print(
            f"{identity} is not registered in {project['name']} yet: a developer of the project registers it "
            f"(POST /api/projects/{project['id']}/repositories, or the dashboard)."
        )
    if agent_running(runtime):
        asyncio.run(_call(runtime, "workcopy.remove", path=str(root)))
        asyncio.run(_call(runtime, "workcopy.add", path=str(root)))
    return 0


async def _choose(api: Any, project_id: str | None, identity: str) -> tuple[dict[str, Any], bool]:
    from agent.account import my_projects, project_repositories

    projects = await my_projects(api)
    if project_id is not None:
        chosen = [p for p in projects if p["id"] == project_id]
        if not chosen:
            raise CliError(f"{project_id} is not one of your projects")
    else:
        repos = {p["id"]: await project_repositories(api, p["id"]) for p in projects}
        chosen = [p for p in projects if any(r["url"] == identity for r in repos[p["id"]])] or projects
        if len(chosen) != 1:
            names = "; ".join(f"{p['name']} ({p['id']})" for p in chosen) or "none"
            raise CliError(f"choose the project with --project ID; your projects: {names}")
    project = chosen[0]
    registered = any(r["url"] == identity for r in await project_repositories(api, project["id"]))
    return project, registered
