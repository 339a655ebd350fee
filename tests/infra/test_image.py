"""The Dockerfile builds and its image serves: built for real by a local Docker engine on a local base image.

Registries cannot be reached here, so the base image (Debian bookworm's Python 3.11, what ``python:3.11-slim``
is made of) is built from Debian's packages with debootstrap and ``docker import``ed once per machine; the
Dockerfile takes it through its ``PYTHON_IMAGE`` argument. ``.ci/run`` installs Docker and debootstrap and
starts the engine; without them this test is skipped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests import services

ROOT = Path(__file__).resolve().parents[2]
BASE = "tandem-local/python:3.11-bookworm"
CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
"""This machine's trust store, with any CA its network needs to reach PyPI: the build installs from there."""

pytestmark = pytest.mark.slow


def _docker() -> tuple[list[str], dict[str, str]]:
    """A docker command that can build with BuildKit (the Dockerfile uses cache mounts), and its environment."""
    env = {**os.environ, "DOCKER_BUILDKIT": "1"}
    for candidate in dict.fromkeys(filter(None, (shutil.which("docker"), "/usr/bin/docker"))):
        if not Path(candidate).exists():
            continue
        if subprocess.run([candidate, "info"], capture_output=True, check=False).returncode:
            continue  # no engine answers this client
        if not subprocess.run([candidate, "buildx", "version"], capture_output=True, check=False).returncode:
            return [candidate, "buildx", "build", "--load"], env
        version = subprocess.run(
            [candidate, "version", "--format", "{{.Client.Version}}"], capture_output=True, text=True, check=False
        ).stdout.strip()
        if version and int(version.split(".")[0]) < 23:  # BuildKit built in, no buildx needed
            return [candidate, "build"], env
    pytest.skip("no Docker engine with BuildKit here (.ci/run installs docker.io and starts dockerd)")


def _run(argv: list[str], env: dict[str, str] | None = None, timeout: float = 600) -> str:
    result = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=timeout, check=False)
    assert result.returncode == 0, f"{' '.join(argv)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


def _base_image(docker: str) -> None:
    """Debian bookworm with Python 3.11 and pip, as a local image (built once per machine, then reused)."""
    if not subprocess.run([docker, "image", "inspect", BASE], capture_output=True, check=False).returncode:
        return
    debootstrap = shutil.which("debootstrap") or "/usr/sbin/debootstrap"
    if not Path(debootstrap).exists():
        pytest.skip("debootstrap is not installed (.ci/run installs it)")
    with tempfile.TemporaryDirectory(prefix="tandem-rootfs-") as rootfs:
        _run(
            [
                debootstrap,
                "--variant=minbase",
                "--include=python3,python3-pip,python3-venv,ca-certificates",
                *("bookworm", rootfs, "http://deb.debian.org/debian"),
            ],
            timeout=900,
        )
        root = Path(rootfs)
        # As in the python images, pip installs into the system Python (Debian marks it externally managed).
        (root / "usr/lib/python3.11/EXTERNALLY-MANAGED").unlink(missing_ok=True)
        if CA_BUNDLE.exists():
            shutil.copy(CA_BUNDLE, root / "etc/ssl/certs/ca-certificates.crt")
        changes = [
            "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            f"ENV SSL_CERT_FILE={CA_BUNDLE}",
            f"ENV PIP_CERT={CA_BUNDLE}",
        ]
        argv = [docker, "import", *(arg for change in changes for arg in ("-c", change)), "-", BASE]
        with subprocess.Popen(["tar", "-C", rootfs, "-c", "."], stdout=subprocess.PIPE) as tar:
            imported = subprocess.run(argv, stdin=tar.stdout, capture_output=True, text=True, check=False)
        assert imported.returncode == 0, imported.stderr


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=2) as response:
        return response.status, response.headers.get("Content-Type", "")


@pytest.mark.timeout(900)  # a new machine: debootstrap (about a minute), then every locked package from PyPI
def test_the_image_builds_runs_unprivileged_and_serves_the_api_and_the_dashboard() -> None:
    build, env = _docker()
    docker = build[0]
    _base_image(docker)
    tag = f"tandem-backend:test-{uuid.uuid4().hex[:8]}"
    name = f"tandem-test-{uuid.uuid4().hex[:8]}"
    _run([*build, "--network", "host", "--build-arg", f"PYTHON_IMAGE={BASE}", "-t", tag, str(ROOT)], env=env)
    port = services.free_port()
    try:
        _run(
            [
                *(docker, "run", "-d", "--name", name, "--network", "host"),
                *("-e", f"TANDEM_SECRET_KEY={'k' * 48}", "-e", f"TANDEM_PORT={port}", tag),
            ]
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _ = _get(f"http://127.0.0.1:{port}/readyz")
                break
            except OSError:
                if time.monotonic() > deadline:
                    logs = subprocess.run([docker, "logs", name], capture_output=True, text=True, check=False)
                    pytest.fail(f"the container never answered /readyz:\n{logs.stdout}\n{logs.stderr}")
                time.sleep(0.5)
        assert status == 200
        status, content_type = _get(f"http://127.0.0.1:{port}/dashboard/")
        assert (status, content_type.split(";")[0]) == (200, "text/html")  # the dashboard ships in the image
        assert _run([docker, "exec", name, "id", "-u"]).strip() == "10001"
        # The image's own health check passes once the server is up (on the port the container was given).
        deadline = time.monotonic() + 90
        health = ""
        while time.monotonic() < deadline:
            health = _run([docker, "inspect", "--format", "{{.State.Health.Status}}", name]).strip()
            if health != "starting":
                break
            time.sleep(1)
        assert health == "healthy"
    finally:
        subprocess.run([docker, "rm", "-f", name], capture_output=True, check=False)
        subprocess.run([docker, "image", "rm", "-f", tag], capture_output=True, check=False)
