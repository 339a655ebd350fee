"""Handlers of the local socket's commands: parse the path, call the agent, return a typed result."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent.account import AccountError
from agent.localserver import Handler, LocalConnection, LocalError, Result
from agent.uplink import Offline, RemoteError
from agent.workcopy import Workcopy
from tandem.protocol import (
    LOCAL_PROTOCOL_VERSION,
    BufferChange,
    BufferClose,
    BufferOpen,
    LocalCommand,
    LocalDismiss,
    LocalFindings,
    LocalFocus,
    LocalHello,
    LocalMembers,
    LocalMention,
    LocalPause,
    LocalReconnect,
    LocalResume,
    LocalSnooze,
    LocalStatus,
    LocalStop,
    LocalSubscribe,
    WorkcopyAdd,
    WorkcopyRemove,
)

if TYPE_CHECKING:
    from agent.daemon import Agent


def _absolute(path: str) -> Path:
    candidate = Path(path).expanduser()
    if not candidate.is_absolute():
        raise LocalError("invalid", f"paths on the agent's socket are absolute: got {path!r}")
    return candidate.resolve()


def handlers(agent: Agent) -> dict[type[LocalCommand], Handler]:
    """The command table, bound to one agent."""

    async def hello(conn: LocalConnection, msg: LocalHello) -> Result:
        if msg.protocol != LOCAL_PROTOCOL_VERSION:
            raise LocalError("unsupported_protocol", f"this agent speaks local protocol {LOCAL_PROTOCOL_VERSION}")
        conn.client = msg.client
        info = agent.status(None)
        return {
            "protocol": LOCAL_PROTOCOL_VERSION,
            "agent": info.agent.model_dump(),
            "connection": info.connection.model_dump(),
        }

    async def in_workcopy(path: str) -> tuple[Workcopy, str]:
        target = _absolute(path)
        workcopy = await agent.add(target.parent if not target.is_dir() else target)
        return workcopy, target.relative_to(workcopy.root).as_posix()

    async def workcopy_add(_conn: LocalConnection, msg: WorkcopyAdd) -> Result:
        workcopy = await agent.add(_absolute(msg.path))
        return workcopy.info()

    async def workcopy_remove(_conn: LocalConnection, msg: WorkcopyRemove) -> Result:
        return {"removed": await agent.remove(_absolute(msg.path))}

    async def buffer_open(_conn: LocalConnection, msg: BufferOpen | BufferChange) -> Result:
        workcopy, rel = await in_workcopy(msg.path)
        workcopy.set_buffer(rel, msg.text, msg.version)
        return None

    async def buffer_close(_conn: LocalConnection, msg: BufferClose) -> Result:
        target = _absolute(msg.path)
        workcopy = agent.workcopy_for(target)
        if workcopy is not None:
            workcopy.set_buffer(target.relative_to(workcopy.root).as_posix(), None)
        return None

    async def focus(_conn: LocalConnection, msg: LocalFocus) -> Result:
        workcopy, rel = await in_workcopy(msg.path)
        workcopy.set_focus(rel, msg.line)
        return None

    async def status(_conn: LocalConnection, msg: LocalStatus) -> Result:
        path = None
        if msg.path is not None:
            path = _absolute(msg.path)
            await agent.add(path)
        return agent.status(path)

    async def findings(_conn: LocalConnection, msg: LocalFindings) -> Result:
        target = _absolute(msg.path)
        workcopy = agent.workcopy_for(target)
        if workcopy is None:
            return {"file": str(target), "findings": []}
        rel = target.relative_to(workcopy.root).as_posix()
        found = agent.book.for_view(workcopy.local_view(agent.user_id), rel)
        return {"file": str(target), "findings": [f.model_dump(mode="json") for f in found]}

    async def subscribe(conn: LocalConnection, _msg: LocalSubscribe) -> Result:
        conn.subscribed = True
        return agent.status(None)

    async def pause(_conn: LocalConnection, _msg: LocalPause) -> Result:
        await agent.pause()
        return agent.connection_info()

    async def resume(_conn: LocalConnection, _msg: LocalResume) -> Result:
        await agent.resume()
        return agent.connection_info()

    async def reconnect(_conn: LocalConnection, _msg: LocalReconnect) -> Result:
        await agent.connect()
        return agent.connection_info()

    async def stop(_conn: LocalConnection, _msg: LocalStop) -> Result:
        # Reply first, then stop: the loop ends once this handler's reply is written.
        asyncio.get_running_loop().call_soon(agent.stopped.set)
        return {"stopping": True}

    async def hub(type_: str, **fields: Any) -> Result:
        """Pass a command on to the backend hub as it is."""
        uplink = agent.uplink
        if uplink is None:
            raise LocalError("offline", "not signed in: run `tandem login`")
        try:
            return await uplink.request(type_, **fields)
        except Offline as err:
            raise LocalError("offline", str(err)) from err
        except RemoteError as err:
            raise LocalError(err.code, err.message) from err

    async def mention(_conn: LocalConnection, msg: LocalMention) -> Result:
        return await hub("mention.send", **msg.model_dump(exclude={"id", "type"}))

    async def dismiss(_conn: LocalConnection, msg: LocalDismiss) -> Result:
        return await hub("finding.dismiss", finding_id=msg.finding_id)

    async def snooze(_conn: LocalConnection, msg: LocalSnooze) -> Result:
        return await hub("finding.snooze", finding_id=msg.finding_id, minutes=msg.minutes)

    async def members(_conn: LocalConnection, msg: LocalMembers) -> Result:
        try:
            return await agent.members(msg.project_id)
        except AccountError as err:
            raise LocalError("unavailable", str(err)) from err

    table: dict[type[LocalCommand], Handler] = {
        LocalHello: hello,
        WorkcopyAdd: workcopy_add,
        WorkcopyRemove: workcopy_remove,
        BufferOpen: buffer_open,
        BufferChange: buffer_open,
        BufferClose: buffer_close,
        LocalFocus: focus,
        LocalStatus: status,
        LocalFindings: findings,
        LocalSubscribe: subscribe,
        LocalPause: pause,
        LocalResume: resume,
        LocalReconnect: reconnect,
        LocalStop: stop,
        LocalMention: mention,
        LocalDismiss: dismiss,
        LocalSnooze: snooze,
        LocalMembers: members,
    }
    return table
