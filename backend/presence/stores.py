"""Where presence entries live: a dict in the embedded mode, Redis (shared, expiring) in scale-out."""

from __future__ import annotations

from typing import Protocol

import orjson
from redis.asyncio import Redis

from backend.presence.model import PresenceEntry


class PresenceStore(Protocol):
    async def get(self, project_id: str, user_id: str) -> PresenceEntry | None: ...

    async def put(self, project_id: str, entry: PresenceEntry) -> None: ...

    async def remove(self, project_id: str, user_id: str) -> bool:
        """Remove an entry; True for the one caller that removed it (others lost the race)."""

    async def project(self, project_id: str) -> list[PresenceEntry]: ...

    async def stale(self, seen_before: float) -> list[tuple[str, str]]:
        """``(project_id, user_id)`` of entries whose last heartbeat is older than ``seen_before``."""

    async def projects(self) -> list[str]:
        """Projects that have any entry (for the idle sweep)."""


class MemoryPresenceStore:
    def __init__(self) -> None:
        self._entries: dict[str, dict[str, PresenceEntry]] = {}

    async def get(self, project_id: str, user_id: str) -> PresenceEntry | None:
        return self._entries.get(project_id, {}).get(user_id)

    async def put(self, project_id: str, entry: PresenceEntry) -> None:
        self._entries.setdefault(project_id, {})[entry.user_id] = entry

    async def remove(self, project_id: str, user_id: str) -> bool:
        members = self._entries.get(project_id)
        if members is None or members.pop(user_id, None) is None:
            return False
        if not members:
            del self._entries[project_id]
        return True

    async def project(self, project_id: str) -> list[PresenceEntry]:
        return list(self._entries.get(project_id, {}).values())

    async def stale(self, seen_before: float) -> list[tuple[str, str]]:
        return [
            (project_id, user_id)
            for project_id, members in self._entries.items()
            for user_id, entry in members.items()
            if entry.last_seen < seen_before
        ]

    async def projects(self) -> list[str]:
        return list(self._entries)


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


_ENTRIES = "tandem:presence:{}"
_SEEN = "tandem:presence-seen"
_PROJECTS = "tandem:presence-projects"


class RedisPresenceStore:
    """A hash of entries per project and one sorted set of last heartbeats, shared by every process.

    Entries outlive a backend restart (clients reconnect well within ``offline_after``), so a restart
    does not make the team flap offline and back.
    """

    def __init__(self, redis: Redis, *, expire_after: float = 3600.0) -> None:
        self._redis = redis
        self._expire = int(expire_after)

    async def get(self, project_id: str, user_id: str) -> PresenceEntry | None:
        raw = await self._redis.hget(_ENTRIES.format(project_id), user_id)
        return None if raw is None else PresenceEntry.from_dict(orjson.loads(raw))

    async def put(self, project_id: str, entry: PresenceEntry) -> None:
        key = _ENTRIES.format(project_id)
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.hset(key, entry.user_id, orjson.dumps(entry.to_dict()))
            pipe.expire(key, self._expire)
            pipe.zadd(_SEEN, {f"{project_id}\x00{entry.user_id}": entry.last_seen})
            pipe.sadd(_PROJECTS, project_id)
            await pipe.execute()

    async def remove(self, project_id: str, user_id: str) -> bool:
        removed = await self._redis.zrem(_SEEN, f"{project_id}\x00{user_id}")
        key = _ENTRIES.format(project_id)
        await self._redis.hdel(key, user_id)
        if not await self._redis.hlen(key):
            await self._redis.srem(_PROJECTS, project_id)
        return bool(removed)

    async def project(self, project_id: str) -> list[PresenceEntry]:
        raw = await self._redis.hgetall(_ENTRIES.format(project_id))
        return [PresenceEntry.from_dict(orjson.loads(value)) for value in raw.values()]

    async def stale(self, seen_before: float) -> list[tuple[str, str]]:
        members = await self._redis.zrangebyscore(_SEEN, "-inf", f"({seen_before}")
        pairs = []
        for member in members:
            project_id, _, user_id = _text(member).partition("\x00")
            pairs.append((project_id, user_id))
        return pairs

    async def projects(self) -> list[str]:
        members = await self._redis.smembers(_PROJECTS)
        return [_text(p) for p in members]
