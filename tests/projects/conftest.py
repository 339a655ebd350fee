"""Fixtures for the project tests: cheap password hashing, so a team of accounts signs up quickly."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from backend.settings import Settings

FAST_HASHING = {"password_hash_memory_kib": 8, "password_hash_time_cost": 1, "password_hash_parallelism": 1}


@pytest.fixture
def settings(make_settings: Callable[..., Settings], database_url: str) -> Settings:
    """The suite's settings with Argon2 at its minimum cost: these tests check project rules, not hashing."""
    return make_settings(database_url=database_url, **FAST_HASHING)
