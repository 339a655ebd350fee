"""Structured logs carry the request id; the probes tell a load balancer the truth, also when Redis is down."""

from __future__ import annotations

import io
import json
import logging
import stat
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from backend.app import create_app
from backend.settings import Settings
from tandem.logs import JsonFormatter, request_id_var
from tests import services
from tests.infra.processes import tandem_env, tandem_server


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


@pytest.mark.slow
def test_server_logs_json_lines_with_the_request_id(tmp_path: Path) -> None:
    with tandem_server(tandem_env(data_dir=str(tmp_path / "data")), tmp_path / "server.log") as server:
        server.wait_ready()
        request = urllib.request.Request(server.base_url + "/healthz", headers={"X-Request-Id": "trace-me-42"})
        with urllib.request.urlopen(request, timeout=5) as resp:
            assert resp.headers["X-Request-Id"] == "trace-me-42"
        with urllib.request.urlopen(server.base_url + "/healthz", timeout=5) as resp:
            generated = resp.headers["X-Request-Id"]
        assert server.stop() == 0
    key = tmp_path / "data" / "secret.key"  # generated on first start, private to its owner
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    output = server.output()
    assert "API docs:" in output  # the banner says where to go next
    lines = json_lines(output)
    mine = [line for line in lines if line.get("request_id") == "trace-me-42"]
    assert mine, output
    assert mine[0]["msg"] == "GET /healthz 200"
    assert mine[0]["status"] == 200
    assert {"ts", "level", "logger"} <= mine[0].keys()
    assert any(line.get("request_id") == generated for line in lines)
    ready = [line for line in lines if line.get("msg") == "tandem backend ready"]
    assert ready[0]["event_loop"] == "uvloop"  # the server's default where uvloop is installed


def test_json_formatter_keeps_extras_and_the_stack() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("tandem.test.json")
    logger.addHandler(handler)
    logger.propagate = False
    token = request_id_var.set("abc")
    try:
        try:
            int("not a number")
        except ValueError:
            logger.exception("failed %s", "x", extra={"project": "p1"})
    finally:
        request_id_var.reset(token)
        logger.removeHandler(handler)
    line = json.loads(stream.getvalue())
    assert line["msg"] == "failed x"
    assert line["level"] == "ERROR"
    assert line["request_id"] == "abc"
    assert line["project"] == "p1"
    assert "ValueError: invalid literal" in line["exc"]


async def test_readyz_is_503_while_redis_is_unreachable(make_settings: Callable[..., Settings], tmp_path: Path) -> None:
    closed = services.free_port()  # nothing listens there
    settings = make_settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'r.db'}", redis_url=f"redis://127.0.0.1:{closed}/0"
    )
    started = time.monotonic()
    async with TestClient(TestServer(create_app(settings, migrate=True))) as client:
        assert time.monotonic() - started < 10  # start-up does not wait for Redis
        health = await client.get("/healthz")
        assert health.status == 200
        assert (await health.json())["mode"] == "scale-out"
        ready = await client.get("/readyz")
        body = await ready.json()
        assert ready.status == 503, body
        assert body["status"] == "unavailable"
        assert body["checks"]["database"] == "ok"
        assert body["checks"]["bus"].startswith("unavailable")


async def test_readyz_is_503_while_the_database_is_unreachable(
    make_settings: Callable[..., Settings], redis_url: str
) -> None:
    closed = services.free_port()
    settings = make_settings(database_url=f"postgresql://postgres@127.0.0.1:{closed}/x", redis_url=redis_url)
    async with TestClient(TestServer(create_app(settings))) as client:  # scale-out: no migration on start
        ready = await client.get("/readyz")
        body = await ready.json()
        assert ready.status == 503, body
        assert body["checks"]["database"].startswith("unavailable")
        assert body["checks"]["bus"] == "ok"


async def test_readyz_is_200_with_real_redis(
    make_settings: Callable[..., Settings], tmp_path: Path, redis_url: str
) -> None:
    settings = make_settings(database_url=f"sqlite+aiosqlite:///{tmp_path / 'r.db'}", redis_url=redis_url)
    async with TestClient(TestServer(create_app(settings, migrate=True))) as client:
        ready = await client.get("/readyz")
        assert ready.status == 200, await ready.text()


@pytest.mark.slow
def test_the_event_loop_can_be_chosen(tmp_path: Path) -> None:
    env = tandem_env(data_dir=str(tmp_path / "data"), event_loop="asyncio")
    with tandem_server(env, tmp_path / "server.log") as server:
        server.wait_ready()
        assert server.stop() == 0
    ready = [line for line in json_lines(server.output()) if line.get("msg") == "tandem backend ready"]
    assert ready[0]["event_loop"] == "asyncio"
