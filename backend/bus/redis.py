"""Redis pub/sub event bus for scale-out: an event published by one backend process reaches all of them."""

from __future__ import annotations

from collections.abc import AsyncIterator

from redis.asyncio import Redis
from redis.asyncio.client import PubSub


class RedisSubscription:
    """One pub/sub connection; iterating yields messages until :meth:`close`."""

    def __init__(self, pubsub: PubSub) -> None:
        self._pubsub = pubsub
        self.closed = False

    async def add(self, *channels: str) -> None:
        if channels:
            await self._pubsub.subscribe(*channels)

    async def remove(self, *channels: str) -> None:
        if channels:
            await self._pubsub.unsubscribe(*channels)

    async def close(self) -> None:
        if not self.closed:
            self.closed = True
            await self._pubsub.aclose()  # type: ignore[no-untyped-call]

    async def __aiter__(self) -> AsyncIterator[tuple[str, bytes]]:
        while not self.closed:
            message = await self._pubsub.get_message(ignore_subscribe_messages=True, timeout=None)
            if message is None or message["type"] != "message":
                continue
            channel = message["channel"]
            yield (channel.decode() if isinstance(channel, bytes) else channel), message["data"]


class RedisBus:
    """Implements :class:`backend.ports.EventBus` over Redis PUBLISH/SUBSCRIBE."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    async def publish(self, channel: str, data: bytes) -> None:
        await self._redis.publish(channel, data)

    async def subscribe(self, *channels: str) -> RedisSubscription:
        sub = RedisSubscription(self._redis.pubsub())
        await sub.add(*channels)
        return sub

    async def ping(self) -> None:
        await self._redis.ping()

    async def close(self) -> None:
        return None  # the Redis client is owned and closed by the app's cleanup context
