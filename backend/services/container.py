"""The composition of services for one app: built once in the app factory from the configured ports."""

from __future__ import annotations

from dataclasses import dataclass

from backend.ports import Counters, EventBus, Store
from backend.services.accounts import AccountService
from backend.services.history import HistoryService
from backend.services.invitations import InvitationService
from backend.services.projects import ProjectService
from backend.services.repositories import RepositoryService
from backend.settings import Settings


@dataclass(frozen=True, slots=True)
class Services:
    accounts: AccountService
    projects: ProjectService
    invitations: InvitationService
    repositories: RepositoryService
    history: HistoryService


def build_services(settings: Settings, store: Store, bus: EventBus, counters: Counters) -> Services:
    accounts = AccountService(settings=settings, store=store, bus=bus, counters=counters)
    projects = ProjectService(settings=settings, store=store, bus=bus)
    invitations = InvitationService(settings=settings, store=store, bus=bus, projects=projects)
    repositories = RepositoryService(store=store, projects=projects)
    history = HistoryService(store=store, projects=projects)
    return Services(
        accounts=accounts,
        projects=projects,
        invitations=invitations,
        repositories=repositories,
        history=history,
    )
