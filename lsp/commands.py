"""``workspace/executeCommand``: dismiss, snooze, message the teammate, open the dashboard, restart the agent."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException

from lsp import actions
from lsp.agent_link import AgentUnavailable
from lsp.diagnostics import dashboard_url
from lsp.server import TandemServer
from lsp.text import display_name

log = logging.getLogger(__name__)

STOP_WAIT = 10.0


def _text(value: Any, default: str = "") -> str:
    return value if isinstance(value, str) and value else default


def _minutes(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else actions.SNOOZE_MINUTES


def _warn(ls: TandemServer, text: str) -> None:
    ls.window_show_message(types.ShowMessageParams(type=types.MessageType.Warning, message=f"Tandem: {text}"))


async def _agent(ls: TandemServer, what: str, kind: str, **fields: Any) -> bool:
    """Run an agent command the user asked for; a failure is said once, in a message (it was their action)."""
    try:
        await ls.link.call(kind, **fields)
    except AgentUnavailable as err:
        _warn(ls, f"could not {what}: {err.message}")
        return False
    return True


async def dismiss(ls: TandemServer, *args: Any) -> dict[str, Any]:
    finding_id = _text(args[0] if args else None)
    ok = await _agent(ls, "dismiss the finding", "finding.dismiss", finding_id=finding_id)
    return {"ok": ok}


async def snooze(ls: TandemServer, *args: Any) -> dict[str, Any]:
    finding_id = _text(args[0] if args else None)
    minutes = _minutes(args[1] if len(args) > 1 else None)
    ok = await _agent(ls, "snooze the finding", "finding.snooze", finding_id=finding_id, minutes=minutes)
    return {"ok": ok, "minutes": minutes}


def default_message(path: str, lines: str) -> str:
    where = f"{path} (lines {lines})" if lines else path
    return f"Hi! We are both changing {where}. Shall we talk before one of us merges?"


async def message(ls: TandemServer, *args: Any) -> dict[str, Any]:
    """Arguments ``[finding_id, user_id, text?]``; without text a short default message is sent."""
    finding_id = _text(args[0] if args else None)
    finding = ls.finding(finding_id)
    user_id = _text(args[1] if len(args) > 1 else None, finding.other.user_id if finding else "")
    if finding is None or not user_id:
        _warn(ls, "that finding is no longer open")
        return {"ok": False}
    spans = [r.mine.new for r in finding.regions]
    lines = ", ".join(f"{s.start}-{s.start + max(s.lines, 1) - 1}" for s in spans[:3])
    text = _text(args[2] if len(args) > 2 else None, default_message(finding.path, lines))
    fields = {"user_id": user_id, "project_id": finding.project_id, "text": text[:2000], "finding_id": finding.id}
    ok = await _agent(ls, "send the message", "mention", **fields)
    if ok:
        name = display_name(user_id, ls.names.members)
        ls.window_show_message(types.ShowMessageParams(type=types.MessageType.Info, message=f"Tandem: sent to {name}"))
    return {"ok": ok}


async def open_dashboard(ls: TandemServer, *args: Any) -> dict[str, Any]:
    """Arguments ``[finding_id?]``; shows the URL with ``window/showDocument`` (external) and returns it."""
    finding = ls.finding(_text(args[0] if args else None))
    workcopy = ls.state.workcopy_for(finding.file if finding else ls.documents.last_edited)
    project_id = finding.project_id if finding else (workcopy.project_id if workcopy else "")
    server = ls.state.server
    if not server:
        _warn(ls, "not signed in: run `tandem login`")
        return {"url": None}
    url = dashboard_url(server, project_id, finding.id if finding else None) if project_id else f"{server}/dashboard"
    window = ls.client_capabilities.window
    if window is not None and window.show_document is not None and window.show_document.support:
        try:
            await ls.window_show_document_async(types.ShowDocumentParams(uri=url, external=True))
        except JsonRpcException as err:
            log.info("the editor did not open %s: %s", url, err)
    return {"url": url}


async def restart_agent(ls: TandemServer, *_args: Any) -> dict[str, Any]:
    """Stop the agent (it is started again when automatic start is on) and reconnect."""
    pid = ls.state.agent.pid if ls.state.agent else None
    with contextlib.suppress(AgentUnavailable):
        await ls.link.call("stop")
    if pid is not None:
        await _exited(pid)
    await ls.link.disconnect()
    ls.link.wake()
    try:
        await asyncio.wait_for(ls.link.connected.wait(), STOP_WAIT)
    except TimeoutError:
        return {"ok": False}
    return {"ok": True, "pid": ls.state.agent.pid if ls.state.agent else None}


async def _exited(pid: int) -> None:
    """Until the old agent's process is gone (it releases its instance lock last)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STOP_WAIT
    while loop.time() < deadline:
        try:
            # We started it: reap it, or it lingers as a zombie (WNOHANG: never blocks).
            if os.waitpid(pid, os.WNOHANG)[0] == pid:  # noqa: ASYNC222
                return
        except ChildProcessError:
            try:
                os.kill(pid, 0)
            except (ProcessLookupError, PermissionError):
                return
        await asyncio.sleep(0.05)  # another process's exit: nothing to await


def register(server: TandemServer) -> None:
    table = {
        actions.DISMISS: dismiss,
        actions.SNOOZE: snooze,
        actions.MESSAGE: message,
        actions.OPEN_DASHBOARD: open_dashboard,
        actions.RESTART_AGENT: restart_agent,
    }
    for name, handler in table.items():
        server.command(name)(handler)
