"""The hub of one backend process: its connections, their subscriptions, and the bus fan-out to them."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Callable, Coroutine
from typing import Any

from sqlmodel import col, select

from backend.activity.service import ActivityService, Mutes
from backend.conflicts.findings import Severity
from backend.conflicts.model import Participant
from backend.domain.caller import Caller
from backend.events import BROADCAST_CHANNEL, decode_event, project_channel, user_channel
from backend.hub.commands import CommandRegistry
from backend.hub.connection import Connection
from backend.ports import EventBus, Subscription
from backend.presence.service import PresenceService
from backend.services.container import Services
from backend.settings import Settings
from backend.store.models import FindingMute
from tandem.protocol import CloseCode

_LOG = logging.getLogger(__name__)
_PROJECT_PREFIX = project_channel("")
_USER_PREFIX = user_channel("")
# Events about membership that change who may receive a project's events.
_MEMBERSHIP_EVENTS = (b'"member.left"', b'"member.removed"', b'"project.deleted"')


class Hub:
    """Routes bus events to the local connections that may see them; one per app."""

    def __init__(
        self,
        *,
        settings: Settings,
        bus: EventBus,
        commands: CommandRegistry,
        presence: PresenceService,
        services: Services,
        activity: ActivityService,
    ) -> None:
        self.services = services
        self.activity = activity
        self.settings = settings
        self.bus = bus
        self.commands = commands
        self.presence = presence
        self.by_user: defaultdict[str, set[Connection]] = defaultdict(set)
        self.by_project: defaultdict[str, set[Connection]] = defaultdict(set)
        self._subscription: Subscription | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._serving = 0
        self._drained = asyncio.Event()
        self._drained.set()

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        # Every process listens on the broadcast channel, so the subscription is never empty.
        self._subscription = await self.bus.subscribe(BROADCAST_CHANNEL)
        self.spawn(self._pump(self._subscription))
        self.spawn(self._sweep())
        self.spawn(self._keep_alive())

    async def stop(self) -> None:
        """Close every connection with GOING_AWAY, let their handlers detach, then stop the pump and the sweeper."""
        connections = {conn for conns in self.by_user.values() for conn in conns}
        await asyncio.gather(
            *(conn.close_soon(CloseCode.GOING_AWAY, "server shutting down") for conn in connections),
            return_exceptions=True,
        )
        # A handler detaches after its close frame went out; the subscription it unsubscribes from must
        # still be there, or its commands race the subscription's own teardown.
        try:
            await asyncio.wait_for(self._drained.wait(), self.settings.ws_auth_timeout + 5)
        except TimeoutError:
            _LOG.warning("%d connection handlers did not finish before shutdown", self._serving)
        if self._subscription is not None:
            await self._subscription.close()
        await _cancel_all(set(self._tasks))

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- connections ----------------------------------------------------------------------------

    def serving(self) -> None:
        """A connection handler started (authenticated or not); :meth:`served` when it has detached."""
        self._serving += 1
        self._drained.clear()

    def served(self) -> None:
        self._serving -= 1
        if not self._serving:
            self._drained.set()

    async def attach(self, conn: Connection) -> None:
        """An authenticated connection joins: it receives its user's events from now on."""
        first = not self.by_user.get(conn.user_id)
        self.by_user[conn.user_id].add(conn)
        if first:
            if self._subscription is not None:
                await self._subscription.add(user_channel(conn.user_id))
            if conn.user_id not in self.activity.mutes:
                self.activity.mutes[conn.user_id] = await self._load_mutes(conn.user_id)

    async def _load_mutes(self, user_id: str) -> Mutes:
        async with self.services.projects.store.session() as session:
            rows = await session.execute(select(FindingMute).where(col(FindingMute.user_id) == user_id))
            return Mutes(
                {
                    m.finding_id: (Severity(m.severity).rank, None if m.until is None else m.until.timestamp())
                    for m in rows.scalars()
                }
            )

    def detach(self, conn: Connection) -> None:
        """A connection is gone. Synchronous, so that a handler cancelled as its socket drops still detaches;
        what needs the bus (unsubscribing from channels nobody here follows any more) runs in a hub task."""
        unused = [channel for project_id in list(conn.projects) if (channel := self._leave(conn, project_id))]
        if conn.caller is not None:
            if conn.workcopies:
                participants = [Participant(conn.user_id, w) for w in conn.workcopies]
                self.spawn(self.activity.disconnected(conn, participants))
            conns = self.by_user.get(conn.user_id)
            if conns is not None and conn in conns:
                conns.discard(conn)
                if not conns:
                    del self.by_user[conn.user_id]
                    unused.append(user_channel(conn.user_id))
        if unused and self._subscription is not None:
            self.spawn(self._subscription.remove(*unused))

    async def subscribe(self, conn: Connection, project_id: str) -> None:
        """Membership must have been checked by the caller."""
        conn.projects.add(project_id)
        first = not self.by_project.get(project_id)
        self.by_project[project_id].add(conn)
        if first and self._subscription is not None:
            await self._subscription.add(project_channel(project_id))

    async def unsubscribe(self, conn: Connection, project_id: str) -> None:
        channel = self._leave(conn, project_id)
        if channel is not None and self._subscription is not None:
            await self._subscription.remove(channel)

    def _leave(self, conn: Connection, project_id: str) -> str | None:
        """Drop the connection from a project's receivers; the project's channel if nobody here follows it now."""
        conn.projects.discard(project_id)
        conns = self.by_project.get(project_id)
        if conns is None:
            return None
        conns.discard(conn)
        if conns:
            return None
        del self.by_project[project_id]
        return project_channel(project_id)

    def connections_of(self, user_id: str) -> set[Connection]:
        return self.by_user.get(user_id, set())

    # -- fan-out --------------------------------------------------------------------------------

    def deliver(self, conns: set[Connection] | list[Connection], data: bytes) -> None:
        """Send the same encoded bytes to each connection (encoded once, never per receiver)."""
        for conn in tuple(conns):
            conn.send(data)

    async def _pump(self, subscription: Subscription) -> None:
        async for channel, data in subscription:
            try:
                await self._route(channel, data)
            except Exception:  # noqa: BLE001 - one bad event must not stop the fan-out for everyone
                _LOG.exception("failed to route an event on %s", channel)

    async def _route(self, channel: str, data: bytes) -> None:
        if channel == BROADCAST_CHANNEL:
            if b'"session.revoked"' in data:
                self._sessions_revoked(decode_event(data))
            elif b'"token.revoked"' in data:
                self._tokens_revoked(decode_event(data))
        elif channel.startswith(_PROJECT_PREFIX):
            project_id = channel[len(_PROJECT_PREFIX) :]
            conns = self.by_project.get(project_id)
            if conns:
                self.deliver(conns, data)
                if any(marker in data for marker in _MEMBERSHIP_EVENTS):
                    await self._membership_changed(project_id, data)
        elif channel.startswith(_USER_PREFIX):
            user_id = channel[len(_USER_PREFIX) :]
            conns = self.by_user.get(user_id)
            if conns:
                self.deliver(conns, data)
            if b'"finding.muted"' in data:
                self._muted(user_id, decode_event(data))

    def _sessions_revoked(self, event: dict[str, Any]) -> None:
        """Signed out, password changed, a stolen refresh token replayed: that session's sockets close now."""
        ended = set(event["session_ids"])
        self.services.accounts.sessions.forget(list(ended))
        self._close_where(lambda c: c.session_id in ended, "this session has ended; sign in again")

    def _tokens_revoked(self, event: dict[str, Any]) -> None:
        """A personal access token was revoked: the agents connected with it are cut off now."""
        ended = set(event["token_ids"])
        self._close_where(lambda c: c.token_id in ended, "this personal access token was revoked")

    def _close_where(self, ended: Callable[[Caller], bool], reason: str) -> None:
        for conns in list(self.by_user.values()):
            for conn in list(conns):
                if conn.caller is not None and ended(conn.caller):
                    conn.closing = True
                    conn.close_soon(CloseCode.UNAUTHENTICATED, reason)

    def _muted(self, user_id: str, event: dict[str, Any]) -> None:
        mutes = self.activity.mutes.setdefault(user_id, Mutes())
        mutes.by_finding[event["finding_id"]] = (Severity(event["severity"]).rank, event.get("until"))

    async def _membership_changed(self, project_id: str, data: bytes) -> None:
        event = decode_event(data)
        if event.get("type") == "project.deleted":
            gone = list(self.by_project.get(project_id, ()))
        else:
            user_id = event.get("user_id")
            gone = [c for c in self.by_project.get(project_id, ()) if c.caller and c.caller.user_id == user_id]
        for conn in gone:
            await self.unsubscribe(conn, project_id)
            # What they reported in that project goes too, and they may not report there any more.
            for repository_id in [r for r, p in conn.repositories.items() if p == project_id]:
                del conn.repositories[repository_id]
            for workcopy in [w for w, p in conn.workcopies.items() if p == project_id]:
                del conn.workcopies[workcopy]
                await self.activity.close(Participant(conn.user_id, workcopy), owner=conn)

    async def _keep_alive(self) -> None:
        """Every ``heartbeat_interval``: ping the connections that went silent, drop those that stayed silent."""
        while True:
            await asyncio.sleep(self.settings.heartbeat_interval)
            for conns in list(self.by_user.values()):
                for conn in list(conns):
                    conn.keep_alive()

    async def _sweep(self) -> None:
        while True:
            await asyncio.sleep(self.settings.presence_sweep_interval)
            try:
                await self.presence.sweep()
            except Exception:  # noqa: BLE001 - a failed sweep (Redis away) is retried at the next tick
                _LOG.warning("presence sweep failed", exc_info=True)


async def _cancel_all(tasks: set[asyncio.Task[Any]], rounds: int = 10) -> None:
    """Cancel the tasks and wait for them, cancelling again those still running a second later.

    On Python 3.11 ``asyncio.wait_for`` (which redis-py uses) can swallow a cancellation that arrives as
    its inner call completes; a background loop then goes on as if never cancelled and shutdown hangs.
    """
    for _ in range(rounds):
        if not tasks:
            return
        for task in tasks:
            task.cancel()
        done, tasks = await asyncio.wait(tasks, timeout=1.0)
        for task in done:
            if not task.cancelled() and task.exception() is not None:
                _LOG.warning("a background task failed at shutdown", exc_info=task.exception())
    if tasks:
        _LOG.warning("%d background tasks ignored cancellation at shutdown", len(tasks))
