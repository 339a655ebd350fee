"""Accounts: registration, sign-in, token rotation and revocation, profiles and personal access tokens."""

from __future__ import annotations

from backend.domain.caller import Caller
from backend.errors import Unauthorized
from backend.ports import Counters, EventBus, Store
from backend.settings import Settings


class AccountService:
    def __init__(self, *, settings: Settings, store: Store, bus: EventBus, counters: Counters) -> None:
        self.settings = settings
        self.store = store
        self.bus = bus
        self.counters = counters

    async def identify(self, token: str) -> Caller:
        """Resolve a bearer token (access JWT or personal access token) to a caller, or raise Unauthorized."""
        raise Unauthorized("not implemented yet")
