"""Typed application and request state: every ``web.AppKey`` and ``web.RequestKey`` is declared here."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiohttp import web

from backend.domain.caller import Caller
from backend.ports import Counters, EventBus, Store
from backend.settings import Settings

if TYPE_CHECKING:
    from backend.hub.hub import Hub
    from backend.services.container import Services

SETTINGS = web.AppKey("settings", Settings)
STORE = web.AppKey("store", Store)
BUS = web.AppKey("bus", EventBus)
COUNTERS = web.AppKey("counters", Counters)
SERVICES: web.AppKey[Services] = web.AppKey("services")
OPENAPI = web.AppKey("openapi", dict[str, Any])
HUB: web.AppKey[Hub] = web.AppKey("hub")

CALLER = web.RequestKey("caller", Caller)
REQUEST_ID = web.RequestKey("request_id", str)
