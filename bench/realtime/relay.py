"""The floor: a bare aiohttp WebSocket relay with no logic, optionally through one Redis PUBLISH/SUBSCRIBE hop.

``GET /ws?room=R``: every frame a client sends goes to the room's other clients (through Redis when
``RELAY_REDIS_URL`` is set, so clients on another relay process get it). ``GET /ws?echo=1``: every frame is
answered with a fixed acknowledgement, the floor of a request/reply (ingest, handshakes).

The Redis hop uses the least costly client at hand, the hub's own (``backend.bus.resp``: an asyncio
protocol parsed by hiredis), not redis-py, which costs 2.7 times as much CPU per publish and 3.2 times as
much per message read (``bench.realtime.bus``). What the relay reads is handed to one task through a queue
and sent with aiohttp's ``send_frame``, as a plain aiohttp application would.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator

from aiohttp import WSMsgType, web

from backend.bus.resp import Address, RespConnection, open_connection
from tandem.loops import new_event_loop

ROOMS: web.AppKey[defaultdict[str, set[web.WebSocketResponse]]] = web.AppKey("rooms")
REDIS: web.AppKey[RespConnection | None] = web.AppKey("redis")
ORIGIN: web.AppKey[bytes] = web.AppKey("origin")
ACK = b'{"id":1,"ok":true,"result":{}}'
CHANNEL = "relay"
"""One channel for every room: a message is the sender's origin, the room, a space, then the frame."""


async def index(_request: web.Request) -> web.Response:
    return web.Response(text="relay")


async def _local(members: set[web.WebSocketResponse], data: bytes, sender: web.WebSocketResponse | None) -> None:
    for ws in tuple(members):
        if ws is not sender:
            with contextlib.suppress(ConnectionError):
                await ws.send_frame(data, WSMsgType.TEXT)


async def websocket(request: web.Request) -> web.WebSocketResponse:
    # The same knobs as Tandem's hub: no compression, writes never wait for the peer to drain.
    ws = web.WebSocketResponse(compress=False, writer_limit=1 << 62, max_msg_size=4 << 20)
    await ws.prepare(request)
    echo = request.query.get("echo") == "1"
    room = request.query.get("room", "")
    members = request.app[ROOMS][room]
    members.add(ws)
    redis, origin = request.app[REDIS], request.app[ORIGIN]
    try:
        async for message in ws:
            if message.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                break
            data = message.data if isinstance(message.data, bytes) else message.data.encode()
            if echo:
                await ws.send_frame(ACK, WSMsgType.TEXT)
                continue
            await _local(members, data, ws)
            if redis is not None:
                await redis.request("PUBLISH", CHANNEL, b"%s%s %s" % (origin, room.encode(), data))
    finally:
        members.discard(ws)
    return ws


async def _follow(app: web.Application, inbox: asyncio.Queue[bytes]) -> None:
    """Deliver what other relay processes published to this process's clients of the room."""
    origin, rooms = app[ORIGIN], app[ROOMS]
    while True:
        message = await inbox.get()
        if message.startswith(origin):
            continue
        room, _, data = message[len(origin) :].partition(b" ")
        members = rooms.get(room.decode())
        if members:
            await _local(members, data, None)


def create_app(redis_url: str | None) -> web.Application:
    app = web.Application()
    rooms: defaultdict[str, set[web.WebSocketResponse]] = defaultdict(set)
    app[ROOMS] = rooms
    app[ORIGIN] = uuid.uuid4().hex[:8].encode()
    app.router.add_get("/", index)
    app.router.add_get("/ws", websocket)

    async def redis_ctx(app: web.Application) -> AsyncIterator[None]:
        if redis_url is None:
            app[REDIS] = None
            yield
            return
        address = Address.from_url(redis_url)
        inbox: asyncio.Queue[bytes] = asyncio.Queue()

        def push(reply: list[bytes]) -> None:
            if reply[0] == b"message":
                inbox.put_nowait(reply[2])

        publisher = app[REDIS] = await open_connection(address)
        subscriber = await open_connection(address, on_push=push)
        subscriber.subscribe(CHANNEL)
        task = asyncio.create_task(_follow(app, inbox))
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        subscriber.close()
        publisher.close()

    app.cleanup_ctx.append(redis_ctx)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    app = create_app(os.environ.get("RELAY_REDIS_URL") or None)
    # The loop `tandem server` runs on (TANDEM_EVENT_LOOP, uvloop by default): the floor differs only in logic.
    loop = new_event_loop(os.environ.get("TANDEM_EVENT_LOOP", "auto"))  # type: ignore[arg-type]
    web.run_app(
        app, host="127.0.0.1", port=args.port, print=None, access_log=None, shutdown_timeout=1, loop=loop, backlog=1024
    )


if __name__ == "__main__":
    main()
