"""Working-copy states in Redis (scale-out): written in one round trip, and never lost to an outage."""

from __future__ import annotations

import uuid

import pytest
from redis.asyncio import Redis

from backend.activity.states import RedisStates
from backend.activity.workcopies import Workcopy
from backend.bus.memory import MemoryBus
from backend.conflicts.model import Participant
from tests.hub.bare import bare_activity, one_line_change

pytestmark = pytest.mark.redis


def _workcopy(user: str) -> Workcopy:
    return Workcopy(
        participant=Participant(user, "wc"),
        project_id="p",
        repository_id="r",
        branch="main",
        head="h",
        base="b",
        seq=1,
        origin="here",
        files={"app.py": one_line_change("app.py", 3)},
    )


async def test_states_are_written_together_with_their_expiry(redis_url: str) -> None:
    redis = Redis.from_url(redis_url)
    try:
        states = RedisStates(redis, ttl=60)
        users = [f"user-{uuid.uuid4().hex}" for _ in range(3)]
        await states.save([_workcopy(u) for u in users])
        loaded = {w.participant.user_id: w for w in await states.load_all() if w.participant.user_id in users}
        assert set(loaded) == set(users)
        assert loaded[users[0]].files["app.py"].hunks == _workcopy(users[0]).files["app.py"].hunks
        ttl = await redis.ttl(f"tandem:wc:{users[0]}\x00wc")
        assert 0 < ttl <= 60
        for user in users:
            await states.drop(Participant(user, "wc"))
        assert await states.alive([Participant(u, "wc") for u in users]) == [False] * 3
    finally:
        await redis.aclose()


async def test_states_that_could_not_be_saved_are_saved_when_redis_is_back(
    redis_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    unreachable = Redis.from_url("redis://127.0.0.1:9/0", socket_connect_timeout=0.2)
    redis = Redis.from_url(redis_url)
    service = bare_activity(MemoryBus(), RedisStates(unreachable, ttl=60), process_id="here", replicate=False)
    user = f"user-{uuid.uuid4().hex}"
    workcopy = _workcopy(user)
    service.workcopies[workcopy.participant] = workcopy
    service.owners[workcopy.participant] = object()
    service._dirty.add(workcopy.participant)
    try:
        await service._save_dirty()  # Redis unreachable: no exception, still dirty
        await service._save_dirty()
        assert service._dirty == {workcopy.participant}
        assert sum("could not save working-copy states" in r.message for r in caplog.records) == 1

        service.states = RedisStates(redis, ttl=60)  # Redis is back
        await service._save_dirty()
        assert not service._dirty
        assert await service.states.alive([workcopy.participant]) == [True]
        await service.states.drop(workcopy.participant)
    finally:
        await unreachable.aclose()
        await redis.aclose()
