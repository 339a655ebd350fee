"""Server-Sent Events at ``GET /api/events``: the signed-in user's bus events, following their memberships."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from aiohttp import web

from backend import keys
from backend.domain.event_stream import KEEPALIVE, channel_change, ready_frame, sse_frame
from backend.errors import Forbidden, Unauthorized
from backend.events import decode_event, project_channel, user_channel
from backend.ports import Subscription

_LOG = logging.getLogger(__name__)
KEEPALIVE_SECONDS = 15.0

Write = Callable[[bytes], Awaitable[Any]]


async def pump(sub: Subscription, write: Write, *, stopping: asyncio.Event, keepalive: float) -> None:
    """Forward ``sub``'s events to ``write`` as SSE frames until it ends or ``stopping`` is set.

    Follows membership changes by adding/removing project channels; writes a comment when idle.
    """
    items: AsyncIterator[tuple[str, bytes]] = sub.__aiter__()
    stop = asyncio.ensure_future(stopping.wait())
    # The pending read survives keep-alive timeouts: cancelling it would end the subscription's iterator.
    pending: asyncio.Future[tuple[str, bytes]] | None = None
    try:
        while True:
            if pending is None:
                pending = asyncio.ensure_future(anext(items))
            waiting: set[asyncio.Future[Any]] = {pending, stop}
            done, _ = await asyncio.wait(waiting, timeout=keepalive, return_when=asyncio.FIRST_COMPLETED)
            if stop in done:
                return
            if pending not in done:
                await write(KEEPALIVE)
                continue
            try:
                _channel, data = pending.result()
            except StopAsyncIteration:
                return  # the bus closed the subscription
            pending = None
            event = decode_event(data)
            change = channel_change(event)
            # Subscribe before forwarding, so a client that saw the join also sees what follows it.
            if change is not None and change.op == "add":
                await sub.add(change.channel)
            await write(sse_frame(str(event.get("type", "message")), data))
            if change is not None and change.op == "remove":
                await sub.remove(change.channel)
    finally:
        for task in (pending, stop):
            if task is not None:
                task.cancel()
        await asyncio.gather(*(t for t in (pending, stop) if t is not None), return_exceptions=True)


class EventStreams:
    """The open event streams of one app; shutdown ends them all."""

    def __init__(self, *, keepalive: float = KEEPALIVE_SECONDS) -> None:
        self.keepalive = keepalive
        self.stopping = asyncio.Event()

    async def on_shutdown(self, _app: web.Application) -> None:
        self.stopping.set()

    async def handle(self, request: web.Request) -> web.StreamResponse:
        """Stream the caller's events: their user channel and the channels of their projects."""
        caller = request.get(keys.CALLER)
        if caller is None:
            raise Unauthorized("sign in first: send Authorization: Bearer <token>")
        if not caller.allows("read"):
            raise Forbidden("this token lacks the 'read' scope")
        sub = await request.app[keys.BUS].subscribe(user_channel(caller.user_id))
        try:
            # Subscribed to the user channel first: a join between these two steps is still heard.
            project_ids = await request.app[keys.SERVICES].projects.project_ids_of(caller.user_id)
            channels = [project_channel(pid) for pid in project_ids]
            await sub.add(*channels)
            response = web.StreamResponse(
                headers={
                    "Content-Type": "text/event-stream",
                    "Cache-Control": "no-cache",
                    "X-Accel-Buffering": "no",
                    "X-Request-Id": request[keys.REQUEST_ID],
                }
            )
            await response.prepare(request)
            try:
                await response.write(ready_frame([user_channel(caller.user_id), *channels]))
                await pump(sub, response.write, stopping=self.stopping, keepalive=self.keepalive)
                await response.write_eof()
            except ConnectionError:
                _LOG.debug("event stream closed by the client")
        finally:
            await sub.close()
        return response


def _openapi_entry() -> dict[str, Any]:
    return {
        "get": {
            "operationId": "event_stream",
            "summary": "Your events as Server-Sent Events (see docs/projects.md)",
            "tags": ["events"],
            "parameters": [],
            "security": [{"bearerAuth": []}],
            "responses": {
                "200": {"description": "An endless text/event-stream", "content": {"text/event-stream": {}}},
                "401": {"description": "Missing, expired or revoked credentials"},
                "403": {"description": "The token lacks the read scope"},
            },
        }
    }


def register(app: web.Application, *, keepalive: float = KEEPALIVE_SECONDS) -> None:
    """Add ``GET /api/events`` and end its streams on shutdown; call after the OpenAPI document is set."""
    streams = EventStreams(keepalive=keepalive)
    app.router.add_get("/api/events", streams.handle, name="event_stream", allow_head=False)
    app.on_shutdown.append(streams.on_shutdown)
    if keys.OPENAPI in app:
        app[keys.OPENAPI]["paths"]["/api/events"] = _openapi_entry()
