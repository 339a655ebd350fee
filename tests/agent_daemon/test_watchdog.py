"""An agent whose socket disappears (its runtime dir was cleaned up) stops instead of running forever."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from agent.service import _inode, _stop_when_socket_goes


async def test_agent_stops_when_its_socket_is_removed(tmp_path: Path) -> None:
    socket = tmp_path / "agent.sock"
    socket.write_text("")
    agent: Any = SimpleNamespace(socket=socket, stopped=asyncio.Event())
    watchdog = asyncio.create_task(_stop_when_socket_goes(agent, _inode(socket), every=0.01))
    socket.unlink()
    await asyncio.wait_for(agent.stopped.wait(), 5)
    await watchdog


async def test_agent_stops_when_another_socket_took_its_place(tmp_path: Path) -> None:
    socket = tmp_path / "agent.sock"
    socket.write_text("")
    agent: Any = SimpleNamespace(socket=socket, stopped=asyncio.Event())
    watchdog = asyncio.create_task(_stop_when_socket_goes(agent, _inode(socket), every=0.01))
    replacement = tmp_path / "new.sock"
    replacement.write_text("")
    replacement.replace(socket)
    await asyncio.wait_for(agent.stopped.wait(), 5)
    await watchdog
