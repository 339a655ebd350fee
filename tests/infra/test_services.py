"""The test services themselves: discovery order, throwaway servers, and the message when nothing is there."""

from __future__ import annotations

import glob
import shutil

import pytest

from tests import services


@pytest.mark.slow
def test_throwaway_servers_start_answer_and_stop() -> None:
    """Runs even where the standard servers are up: the fallback must work on a machine without them."""
    postgres, redis = services.start_postgres(), services.start_redis()
    try:
        assert services.postgres_answers(postgres.url)
        assert services.redis_answers(redis.url)
        with services.scratch_database(postgres.url) as url:
            assert services.postgres_answers(url)
    finally:
        postgres.stop()
        redis.stop()
    assert postgres.process.returncode is not None
    assert redis.process.returncode is not None
    assert not postgres.workdir.exists()
    assert not redis.workdir.exists()
    assert not services.postgres_answers(postgres.url)
    assert not services.redis_answers(redis.url)


@pytest.mark.slow
def test_missing_local_servers_fall_back_to_throwaway_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "discover_redis", lambda: None)
    with services.redis_server() as (url, origin):
        assert origin == "throwaway"
        assert services.redis_answers(url)
    assert not services.redis_answers(url)


def test_environment_comes_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TANDEM_TEST_REDIS_URL", "redis://example.invalid:1/0")
    monkeypatch.setenv("TANDEM_TEST_DATABASE_URL", "postgresql+asyncpg://u@example.invalid/db")
    assert services.discover() == services.ServiceUrls(
        "postgresql+asyncpg://u@example.invalid/db", "redis://example.invalid:1/0"
    )


def test_without_servers_or_binaries_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "discover_postgres", lambda: None)
    monkeypatch.setattr(services, "discover_redis", lambda: None)
    monkeypatch.setattr(services, "find_binary", lambda name: None)
    hint = r"apt-get install postgresql redis-server"
    with pytest.raises(services.ServiceMissing, match=hint), services.postgres_server():
        pass
    with pytest.raises(services.ServiceMissing, match=hint), services.redis_server():
        pass


def test_postgres_binaries_are_found_in_debian_directories(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setattr(glob, "glob", lambda pattern: [pattern.replace("*", v) for v in ("9", "16", "15")])
    assert services.find_binary("initdb") == "/usr/lib/postgresql/16/bin/initdb"
