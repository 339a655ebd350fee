"""Find (or start) the PostgreSQL and Redis servers the tests talk to."""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass

DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


@dataclass(frozen=True)
class ServiceUrls:
    postgres: str | None
    redis: str | None


def discover() -> ServiceUrls:
    """Explicit URLs from the environment, else the standard local ports, else None."""
    pg = os.environ.get("TANDEM_TEST_DATABASE_URL")
    if pg is None and port_open("127.0.0.1", 5432):
        pg = DEFAULT_PG
    redis = os.environ.get("TANDEM_TEST_REDIS_URL")
    if redis is None and port_open("127.0.0.1", 6379):
        redis = DEFAULT_REDIS
    return ServiceUrls(pg, redis)


def scratch_database_name() -> str:
    return f"tandem_test_{uuid.uuid4().hex[:12]}"
