"""Where working-copy states outlive a process: nowhere in the embedded mode, Redis keys in scale-out."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

from backend.activity.workcopies import Workcopy
from backend.conflicts.model import Participant

_LOG = logging.getLogger(__name__)
_KEY = "tandem:wc:{}\x00{}"
_PATTERN = "tandem:wc:*"


class WorkcopyStates(Protocol):
    async def save(self, workcopies: Sequence[Workcopy]) -> None:
        """Write these states (and renew their expiry) in one go."""

    async def drop(self, participant: Participant) -> None: ...

    async def load_all(self) -> list[Workcopy]: ...

    async def alive(self, participants: list[Participant]) -> list[bool]:
        """Whether each participant's state is still kept (its owner refreshes it while it lives)."""


class NoStates:
    """The embedded mode has one process: what it holds in memory is all there is."""

    async def save(self, workcopies: Sequence[Workcopy]) -> None:
        return None

    async def drop(self, participant: Participant) -> None:
        return None

    async def load_all(self) -> list[Workcopy]:
        return []

    async def alive(self, participants: list[Participant]) -> list[bool]:
        return [True] * len(participants)


class RedisStates:
    """One key per working copy, expiring unless its owning process refreshes it."""

    def __init__(self, redis: Redis, *, ttl: float) -> None:
        self._redis = redis
        self._ttl = max(1, int(ttl))

    async def save(self, workcopies: Sequence[Workcopy]) -> None:
        """One pipelined round trip for every state changed since the last round, not one each."""
        if not workcopies:
            return
        async with self._redis.pipeline(transaction=False) as pipe:
            for workcopy in workcopies:
                key = _KEY.format(workcopy.participant.user_id, workcopy.participant.copy_id)
                pipe.set(key, workcopy.to_json(), ex=self._ttl)
            await pipe.execute()

    async def drop(self, participant: Participant) -> None:
        await self._redis.delete(_KEY.format(participant.user_id, participant.copy_id))

    async def load_all(self) -> list[Workcopy]:
        try:
            keys = [key async for key in self._redis.scan_iter(match=_PATTERN, count=500)]
            values = await self._redis.mget(keys) if keys else []
        except RedisError:
            # Redis down at start-up must not stop the process (/readyz reports it); states return as agents report.
            _LOG.warning("working-copy states not loaded: Redis is unreachable", exc_info=True)
            return []
        return [Workcopy.from_json(v if isinstance(v, bytes) else str(v).encode()) for v in values if v is not None]

    async def alive(self, participants: list[Participant]) -> list[bool]:
        if not participants:
            return []
        async with self._redis.pipeline(transaction=False) as pipe:
            for p in participants:
                pipe.exists(_KEY.format(p.user_id, p.copy_id))
            return [bool(n) for n in await pipe.execute()]
