"""Invitations to projects: single-use tokens sent to an address, accepted or declined by its owner."""

from __future__ import annotations

from backend.ports import EventBus, Store
from backend.services.projects import ProjectService
from backend.settings import Settings


class InvitationService:
    def __init__(self, *, settings: Settings, store: Store, bus: EventBus, projects: ProjectService) -> None:
        self.settings = settings
        self.store = store
        self.bus = bus
        self.projects = projects
