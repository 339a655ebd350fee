"""The signed-in user's own record: profile fields, preferences document and presence status."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from backend.domain.accounts import (
    STATUS_TEXT_MAX_LENGTH,
    Status,
    check_avatar_url,
    check_name,
    check_time_zone,
    field_error,
)
from backend.domain.preferences import Preferences, load_preferences
from backend.errors import Unauthorized
from backend.events import project_channel, publish, user_channel
from backend.ports import EventBus, Store
from backend.services.accounts.clock import Clock
from backend.store.models import Membership, User

PROFILE_FIELDS = frozenset({"name", "avatar_url", "time_zone"})


async def load_user(db: AsyncSession, user_id: str) -> User:
    user = await db.get(User, user_id)
    if user is None:
        # Only reachable if the account was deleted while its token was in flight.
        raise Unauthorized("this account no longer exists", code="token_revoked")
    return user


class Profiles:
    def __init__(self, *, store: Store, bus: EventBus, clock: Clock) -> None:
        self.store = store
        self.bus = bus
        self.clock = clock

    async def get(self, user_id: str) -> User:
        async with self.store.session() as db:
            return await load_user(db, user_id)

    async def update(self, user_id: str, changes: Mapping[str, Any]) -> User:
        """Apply the given profile fields (only those present); ``avatar_url: None`` clears the avatar."""
        unknown = set(changes) - PROFILE_FIELDS
        if unknown:
            raise field_error(sorted(unknown)[0], "not a profile field", "extra_forbidden")
        values: dict[str, Any] = {}
        if "name" in changes:
            values["name"] = check_name(changes["name"])
        if "avatar_url" in changes:
            values["avatar_url"] = check_avatar_url(changes["avatar_url"])
        if "time_zone" in changes:
            # The first look at the tz database reads files; keep that off the loop.
            values["time_zone"] = await asyncio.to_thread(check_time_zone, changes["time_zone"])
        async with self.store.session() as db:
            user = await load_user(db, user_id)
            for key, value in values.items():
                setattr(user, key, value)
            if values:
                user.updated_at = self.clock()
        return user

    async def preferences(self, user_id: str) -> Preferences:
        user = await self.get(user_id)
        return load_preferences(user.preferences)

    async def replace_preferences(self, user_id: str, preferences: Preferences) -> Preferences:
        async with self.store.session() as db:
            user = await load_user(db, user_id)
            # The full document is stored, so what was chosen stays chosen when a default changes later.
            user.preferences = preferences.model_dump(mode="json")
            user.updated_at = self.clock()
        return preferences

    async def set_status(self, user_id: str, status: Status, text: str) -> User:
        """Store the status and tell the user's other clients and every project they belong to."""
        text = " ".join(text.split())
        if len(text) > STATUS_TEXT_MAX_LENGTH:
            raise field_error("text", f"use at most {STATUS_TEXT_MAX_LENGTH} characters", "too_long")
        async with self.store.session() as db:
            user = await load_user(db, user_id)
            user.status, user.status_text, user.updated_at = status, text, self.clock()
            project_ids = list(
                (await db.execute(select(Membership.project_id).where(col(Membership.user_id) == user_id))).scalars()
            )
        payload = {"user_id": user_id, "status": status, "text": text}
        for channel in [user_channel(user_id), *map(project_channel, project_ids)]:
            await publish(self.bus, channel, "user.status", **payload)
        return user
