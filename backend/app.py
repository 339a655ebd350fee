"""The app factory: wires settings, store, bus and services into an aiohttp application."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator

from aiohttp import web
from redis.asyncio import Redis

from backend import keys
from backend.activity.recorder import Recorder
from backend.activity.service import ActivityService
from backend.activity.states import NoStates, RedisStates, WorkcopyStates
from backend.api import dashboard, docs, events_views, health, middleware
from backend.api.registry import Api
from backend.bus.memory import MemoryBus
from backend.bus.redis import RedisBus
from backend.bus.redis import connect as connect_redis
from backend.counters.memory import MemoryCounters
from backend.counters.redis import RedisCounters
from backend.hub import activity_commands, session_commands
from backend.hub import views as hub_views
from backend.hub.commands import CommandRegistry
from backend.hub.hub import Hub
from backend.ports import Counters, EventBus
from backend.presence.model import PresencePolicy
from backend.presence.service import PresenceService
from backend.presence.stores import MemoryPresenceStore, PresenceStore, RedisPresenceStore
from backend.services.container import build_services
from backend.settings import Settings
from backend.store.db import SqlStore
from backend.store.migrate import upgrade_async
from tandem.loops import loop_name

_LOG = logging.getLogger(__name__)
API_VERSION = "0.1.0"
REDIS: web.AppKey[Redis | None] = web.AppKey("redis")


def build_api() -> Api:
    """Every endpoint of the service, included explicitly."""
    from backend.api import accounts_views, activity_views, projects_views, repositories_views

    api = Api(title="Tandem API", version=API_VERSION)
    api.include(
        health.routes,
        accounts_views.routes,
        projects_views.routes,
        repositories_views.routes,
        activity_views.routes,
        hub_views.routes,
    )
    return api


def create_app(settings: Settings, *, migrate: bool | None = None) -> web.Application:
    """Build the application. ``migrate`` (default: in embedded mode) upgrades the schema on start."""
    app = web.Application(
        middlewares=[middleware.request_context, middleware.errors, middleware.identify],
        client_max_size=settings.max_body_bytes,
    )
    app[keys.SETTINGS] = settings
    api = build_api()
    api.register(app)
    app[keys.OPENAPI] = api.openapi()
    docs.register(app)
    dashboard.register(app)
    hub_views.register(app)
    events_views.register(app)
    should_migrate = settings.embedded if migrate is None else migrate

    async def store_ctx(app: web.Application) -> AsyncIterator[None]:
        url = settings.effective_database_url
        if url.startswith("sqlite"):
            settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        if should_migrate:
            await upgrade_async(url)
        store = SqlStore.from_url(url, busy_timeout_ms=settings.sqlite_busy_timeout_ms)
        app[keys.STORE] = store
        yield
        await store.close()

    async def bus_ctx(app: web.Application) -> AsyncIterator[None]:
        redis: Redis | None = None
        bus: EventBus
        counters: Counters
        if settings.redis_url is None:
            bus, counters = MemoryBus(), MemoryCounters()
        else:
            redis = connect_redis(settings.redis_url)
            bus, counters = RedisBus(settings.redis_url), RedisCounters(redis)
        app[REDIS] = redis
        app[keys.BUS] = bus
        app[keys.COUNTERS] = counters
        yield
        await bus.close()
        if redis is not None:
            await redis.aclose()

    async def services_ctx(app: web.Application) -> AsyncIterator[None]:
        settings.signing_key()  # create the key on first start, before any request needs it
        app[keys.SERVICES] = build_services(settings, app[keys.STORE], app[keys.BUS], app[keys.COUNTERS])
        _LOG.info(
            "tandem backend ready",
            extra={
                "mode": "embedded" if settings.embedded else "scale-out",
                "url": settings.effective_public_url,
                "event_loop": loop_name(asyncio.get_running_loop()),
            },
        )
        yield

    async def hub_ctx(app: web.Application) -> AsyncIterator[None]:
        redis = app[REDIS]
        presence_store: PresenceStore = MemoryPresenceStore() if redis is None else RedisPresenceStore(redis)
        policy = PresencePolicy(idle_after=settings.presence_idle_after, offline_after=settings.presence_offline_after)
        commands = CommandRegistry()
        session_commands.register(commands)
        activity_commands.register(commands)
        states: WorkcopyStates = NoStates() if redis is None else RedisStates(redis, ttl=60)

        def deliver(user_id: str, data: bytes) -> None:
            hub.deliver(hub.connections_of(user_id), data)  # the activity service asked here() first

        def here(user_id: str) -> bool:
            return bool(hub.connections_of(user_id))

        activity = ActivityService(
            bus=app[keys.BUS],
            states=states,
            recorder=Recorder(app[keys.STORE]),
            deliver=deliver,
            here=here,
            process_id=uuid.uuid4().hex,
            replicate=redis is not None,
            grace=settings.workcopy_grace,
        )
        hub = Hub(
            settings=settings,
            bus=app[keys.BUS],
            commands=commands,
            presence=PresenceService(presence_store, app[keys.BUS], policy),
            services=app[keys.SERVICES],
            activity=activity,
        )
        app[keys.HUB] = hub
        for loop in await activity.start():
            hub.spawn(loop)
        await hub.start()
        yield
        await hub.stop()
        await activity.stop()

    async def close_websockets(app: web.Application) -> None:
        # Before aiohttp waits for handlers to finish: tell every client to reconnect elsewhere.
        if keys.HUB in app:
            await app[keys.HUB].stop()

    app.on_shutdown.append(close_websockets)
    app.cleanup_ctx.extend([store_ctx, bus_ctx, services_ctx, hub_ctx])
    return app
