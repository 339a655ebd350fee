"""Projects and teams: projects, memberships and roles, project settings."""

from __future__ import annotations

from backend.ports import EventBus, Store
from backend.settings import Settings


class ProjectService:
    def __init__(self, *, settings: Settings, store: Store, bus: EventBus) -> None:
        self.settings = settings
        self.store = store
        self.bus = bus
