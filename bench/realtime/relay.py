"""The floor: a bare aiohttp WebSocket relay with no logic, optionally through one Redis PUBLISH/SUBSCRIBE hop.

``GET /ws?room=R``: every frame a client sends goes to the room's other clients (through Redis when
``RELAY_REDIS_URL`` is set, so clients on another relay process get it). ``GET /ws?echo=1``: every frame is
answered with a fixed acknowledgement, the floor of a request/reply (ingest, handshakes).
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
from redis.asyncio import Redis

from tandem.loops import new_event_loop

ROOMS: web.AppKey[defaultdict[str, set[web.WebSocketResponse]]] = web.AppKey("rooms")
REDIS: web.AppKey[Redis | None] = web.AppKey("redis")
ORIGIN: web.AppKey[bytes] = web.AppKey("origin")
ACK = b'{"id":1,"ok":true,"result":{}}'
PREFIX = "relay:"


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
                await redis.publish(PREFIX + room, origin + data)
    finally:
        members.discard(ws)
    return ws


async def _follow(app: web.Application, redis: Redis) -> None:
    """Deliver what other relay processes published to this process's clients of the room."""
    origin, rooms = app[ORIGIN], app[ROOMS]
    pubsub = redis.pubsub()
    await pubsub.psubscribe(PREFIX + "*")
    while True:
        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=None)
        if message is None:
            continue
        data: bytes = message["data"]
        if data.startswith(origin):
            continue
        channel = message["channel"]
        room = (channel.decode() if isinstance(channel, bytes) else channel)[len(PREFIX) :]
        members = rooms.get(room)
        if members:
            await _local(members, data[len(origin) :], None)


def create_app(redis_url: str | None) -> web.Application:
    app = web.Application()
    rooms: defaultdict[str, set[web.WebSocketResponse]] = defaultdict(set)
    app[ROOMS] = rooms
    app[ORIGIN] = uuid.uuid4().hex[:8].encode()
    app.router.add_get("/", index)
    app.router.add_get("/ws", websocket)

    async def redis_ctx(app: web.Application) -> AsyncIterator[None]:
        redis = None if redis_url is None else Redis.from_url(redis_url)
        app[REDIS] = redis
        task = None if redis is None else asyncio.create_task(_follow(app, redis))
        yield
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if redis is not None:
            await redis.aclose()

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
