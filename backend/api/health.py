"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from backend import keys
from backend.api.models import Output
from backend.api.registry import Routes, json_response

routes = Routes(tag="health")
_LOG = logging.getLogger(__name__)


class Health(Output):
    status: str
    mode: str


class Readiness(Output):
    status: str
    checks: dict[str, str]


@routes.get("/healthz", response=Health, auth=False)
async def healthz(request: web.Request) -> Health:
    """The process is alive."""
    settings = request.app[keys.SETTINGS]
    return Health(status="ok", mode="embedded" if settings.embedded else "scale-out")


@routes.get("/readyz", response=Readiness, auth=False, errors=(503,))
async def readyz(request: web.Request) -> web.Response:
    """The database and the event bus answer; 503 otherwise."""
    checks: dict[str, str] = {}
    probes = {"database": request.app[keys.STORE].ping, "bus": request.app[keys.BUS].ping}
    for name, probe in probes.items():
        try:
            await asyncio.wait_for(probe(), timeout=2)
        except (OSError, TimeoutError, ConnectionError) as err:
            checks[name] = f"unavailable: {type(err).__name__}"
        except Exception as err:  # noqa: BLE001 - a driver-specific failure still only means "not ready"
            _LOG.warning("readiness probe %s failed", name, exc_info=True)
            checks[name] = f"unavailable: {type(err).__name__}"
        else:
            checks[name] = "ok"
    ready = all(v == "ok" for v in checks.values())
    body = Readiness(status="ok" if ready else "unavailable", checks=checks)
    return json_response(body.model_dump(), status=200 if ready else 503)
