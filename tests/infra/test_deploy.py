"""The deployment files hold together: compose services, the nginx proxy (run for real if installed), the image."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml

from backend.settings import Settings
from tests import services
from tests.infra.processes import ServerProcess, tandem_env, tandem_server

ROOT = Path(__file__).resolve().parents[2]
REPLICAS = ("backend-a", "backend-b")
SHARED = ("TANDEM_DATABASE_URL", "TANDEM_REDIS_URL", "TANDEM_SECRET_KEY", "TANDEM_PUBLIC_URL")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())
    return loaded


def interpolate(value: str) -> str:
    """Compose's ``${VAR:-default}`` / ``${VAR:?error}`` with nothing set: the default, or a stand-in value."""
    value = re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", value)
    return re.sub(r"\$\{\w+:\?[^}]*\}", "x" * 40, value)


def test_every_service_has_a_healthcheck(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) == {"postgres", "redis", "migrate", *REPLICAS, "proxy"}
    for name, service in compose["services"].items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"


def test_replicas_share_their_configuration_and_wait_for_the_migration(compose: dict[str, Any]) -> None:
    svc = compose["services"]
    envs = [svc[name]["environment"] for name in (*REPLICAS, "migrate")]
    for key in SHARED:
        assert len({env[key] for env in envs}) == 1, key
    assert svc["migrate"]["command"] == ["tandem", "db", "upgrade"]
    for name in REPLICAS:
        assert svc[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert svc[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert svc[name]["depends_on"]["redis"]["condition"] == "service_healthy"
        assert "/readyz" in " ".join(svc[name]["healthcheck"]["test"])
        assert svc["proxy"]["depends_on"][name]["condition"] == "service_healthy"
    assert "ports" not in svc["backend-a"], "replicas are reached through the proxy only"


def test_backend_environment_is_valid_settings(compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    env = compose["services"]["backend-a"]["environment"]
    names = {key.removeprefix("TANDEM_").lower() for key in env}
    assert names <= set(Settings.model_fields), "compose sets a TANDEM_* variable that is not a setting"
    for key, value in env.items():
        monkeypatch.setenv(key, interpolate(str(value)))
    settings = Settings()
    assert not settings.embedded
    assert settings.effective_database_url.startswith("postgresql+asyncpg://")


def test_proxy_address_is_a_trusted_proxy(compose: dict[str, Any]) -> None:
    import ipaddress

    svc = compose["services"]
    proxy_ip = ipaddress.ip_address(svc["proxy"]["networks"]["tandem"]["ipv4_address"])
    trusted = ipaddress.ip_network(svc["backend-a"]["environment"]["TANDEM_TRUSTED_PROXIES"])
    subnet = ipaddress.ip_network(compose["networks"]["tandem"]["ipam"]["config"][0]["subnet"])
    assert proxy_ip in trusted
    assert proxy_ip in subnet


def test_nginx_config_routes_to_both_replicas_and_streams() -> None:
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    assert re.findall(r"server (backend-\w):8400", conf) == list(REPLICAS)
    assert "proxy_set_header Upgrade $http_upgrade;" in conf
    assert "proxy_set_header Connection $connection_upgrade;" in conf
    # nginx drops inherited proxy_set_header lines in a location that sets any: keep them all at server level.
    locations = re.findall(r"location [^{]*\{([^}]*)\}", conf)
    assert locations
    assert not any("proxy_set_header" in body for body in locations)
    sse = conf[conf.index("location = /api/events") :]
    assert "proxy_buffering off" in sse[: sse.index("}")]


def test_dockerfile_is_multi_stage_locked_and_unprivileged() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    makefile = (ROOT / "Makefile").read_text()
    assert len(re.findall(r"^FROM ", dockerfile, re.MULTILINE)) >= 2
    uv_pin = re.search(r"^UV_VERSION := (\S+)", makefile, re.MULTILINE)
    assert uv_pin is not None
    assert f"uv=={uv_pin.group(1)}" in dockerfile
    assert "uv sync --frozen --no-dev" in dockerfile
    user = re.findall(r"^USER (\S+)", dockerfile, re.MULTILINE)
    assert user
    assert user[-1] not in ("root", "0")
    cmd = re.findall(r"^CMD (.+)$", dockerfile, re.MULTILINE)[-1]
    assert json.loads(cmd) == ["tandem", "server", "--host", "0.0.0.0"]


def test_docker_compose_accepts_the_file() -> None:
    docker = shutil.which("docker")
    if docker is None or subprocess.run([docker, "compose", "version"], capture_output=True, check=False).returncode:
        pytest.skip("the Docker compose plugin is not installed (see docs/operations.md: what was validated)")
    result = subprocess.run(
        [docker, "compose", "-f", str(ROOT / "compose.yaml"), "config", "--quiet"],
        capture_output=True,
        text=True,
        env={"TANDEM_SECRET_KEY": "x" * 40, "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert result.returncode == 0, result.stderr


# -- the proxy for real: nginx with deploy/nginx.conf in front of a tandem server --------------------------------


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[ServerProcess]:
    with tandem_server(tandem_env(data_dir=str(tmp_path / "data")), tmp_path / "server.log") as server:
        server.wait_ready()
        yield server


@pytest.fixture
def proxy(backend: ServerProcess, tmp_path: Path) -> Iterator[str]:
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        pytest.skip("nginx is not installed (apt-get install nginx); .ci/run installs it")
    port = services.free_port()
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    for name in REPLICAS:
        conf = conf.replace(f"{name}:8400", f"127.0.0.1:{backend.port}")
    conf = conf.replace("listen 8080;", f"listen 127.0.0.1:{port};")
    conf = conf.replace("access_log /dev/stdout tandem;", f"access_log {tmp_path}/access.log tandem;")
    conf = conf.replace("error_log /dev/stderr warn;", f"error_log {tmp_path}/error.log warn;")
    (tmp_path / "nginx.conf").write_text(conf)
    argv = [nginx, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")]
    argv += ["-g", f"daemon off; pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log;"]
    log = tmp_path / "nginx.out"
    with log.open("wb") as out:
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        services.wait_until(lambda: services.port_open("127.0.0.1", port), process, log, "nginx")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.slow
async def test_proxy_passes_requests_streams_and_websockets(proxy: str) -> None:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15)) as http:
        async with http.get(f"{proxy}/healthz") as resp:
            assert resp.status == 200
            assert re.fullmatch(r"[0-9a-f]{32}", resp.headers["X-Request-Id"]), "nginx's $request_id is kept"

        signup = await http.post(
            f"{proxy}/api/auth/register",
            json={"email": "proxy@example.com", "password": "correct horse battery staple"},
        )
        assert signup.status == 201, await signup.text()
        auth = {"Authorization": f"Bearer {(await signup.json())['access_token']}"}

        # Unbuffered: the first small frame arrives at once, not when a proxy buffer fills up.
        async with http.get(f"{proxy}/api/events", headers=auth) as stream:
            assert stream.headers["Content-Type"].startswith("text/event-stream")
            first = await asyncio.wait_for(stream.content.readuntil(b"\n\n"), 5)
            assert first.startswith(b"event: ready")

        async with http.ws_connect(f"{proxy}/api/ws", headers=auth) as ws:
            assert not ws.closed  # the Upgrade went through the proxy
            await ws.close()
