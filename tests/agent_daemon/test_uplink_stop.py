"""Stopping the uplink while its connection is still being opened ends it: no session starts after stop()."""

from __future__ import annotations

import asyncio

from aiohttp import web
from aiohttp.test_utils import TestServer

from agent.uplink import Uplink


async def test_stop_during_the_handshake_ends_the_uplink() -> None:
    entered, release = asyncio.Event(), asyncio.Event()

    async def slow_upgrade(request: web.Request) -> web.WebSocketResponse:
        entered.set()
        await release.wait()  # the handshake completes only after stop() was called
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        async for _message in ws:  # a hub that never answers hello: only stop() can end the session
            pass
        return ws

    app = web.Application()
    app.router.add_get("/api/ws", slow_upgrade)
    server = TestServer(app)
    await server.start_server()
    try:

        async def online() -> None:
            return None

        uplink = Uplink(str(server.make_url("")).rstrip("/"), "tdm_x", on_online=online, on_event=lambda _e: None)
        running = asyncio.create_task(uplink.run())
        await asyncio.wait_for(entered.wait(), 5)
        await uplink.stop()  # no socket yet: nothing to close
        release.set()
        await asyncio.wait_for(running, 5)
    finally:
        release.set()
        await server.close()
