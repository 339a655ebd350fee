"""Personal access tokens: named, scoped, optionally expiring secrets for agents and scripts, stored only hashed."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import func, update
from sqlmodel import col, select

from backend.domain.accounts import field_error
from backend.domain.caller import SCOPES, Caller
from backend.errors import Conflict, NotFound, Unauthorized
from backend.events import BROADCAST_CHANNEL, publish
from backend.ports import EventBus, Store
from backend.services.accounts.clock import Clock, as_utc
from backend.store.db import after_commit
from backend.store.models import PersonalAccessToken, User

PREFIX = "tdm_pat_"
"""Makes the tokens recognisable: to the service, to people, and to secret scanners."""
MAX_ACTIVE_TOKENS = 100
LAST_USED_RESOLUTION = timedelta(minutes=1)
"""``last_used_at`` is written at most this often, so a busy agent does not write on every request."""


def is_personal_token(token: str) -> bool:
    return token.startswith(PREFIX)


def token_hash(token: str) -> str:
    # A plain digest is enough: the token has 256 random bits, so there is nothing to brute-force.
    return hashlib.sha256(token.encode()).hexdigest()


def check_scopes(scopes: Iterable[str]) -> list[str]:
    chosen = sorted(set(scopes))
    unknown = [s for s in chosen if s not in SCOPES]
    if not chosen or unknown:
        raise field_error("scopes", f"choose one or more of {', '.join(SCOPES)}", "scopes")
    return chosen


TOKEN_REVOKED = "token.revoked"  # noqa: S105 - an event name, not a secret


class PersonalTokens:
    def __init__(self, *, store: Store, clock: Clock, bus: EventBus) -> None:
        self.store = store
        self.clock = clock
        self.bus = bus

    async def create(
        self, user_id: str, *, name: str, scopes: Iterable[str], expires_at: datetime | None
    ) -> tuple[PersonalAccessToken, str]:
        """Create a token; the secret is returned this once and only its hash is kept."""
        chosen = check_scopes(scopes)
        if expires_at is not None and expires_at <= self.clock():
            raise field_error("expires_at", "the expiry must be in the future", "past")
        secret = PREFIX + secrets.token_urlsafe(32)
        row = PersonalAccessToken(
            user_id=user_id,
            name=name.strip(),
            token_hash=token_hash(secret),
            prefix=secret[: len(PREFIX) + 4],
            scopes=chosen,
            created_at=self.clock(),
            expires_at=expires_at,
        )
        async with self.store.session() as db:
            count = (
                await db.execute(
                    select(func.count())
                    .select_from(PersonalAccessToken)
                    .where(col(PersonalAccessToken.user_id) == user_id, col(PersonalAccessToken.revoked_at).is_(None))
                )
            ).scalar_one()
            if count >= MAX_ACTIVE_TOKENS:
                raise Conflict(f"you already have {MAX_ACTIVE_TOKENS} tokens; revoke some first", code="too_many")
            db.add(row)
        return row, secret

    async def active(self, user_id: str) -> list[PersonalAccessToken]:
        """The user's tokens that are not revoked (expired ones included, marked by ``expires_at``)."""
        async with self.store.session() as db:
            rows = await db.execute(
                select(PersonalAccessToken)
                .where(col(PersonalAccessToken.user_id) == user_id, col(PersonalAccessToken.revoked_at).is_(None))
                .order_by(col(PersonalAccessToken.created_at).desc())
            )
            return list(rows.scalars())

    async def revoke(self, user_id: str, token_id: str) -> None:
        async with self.store.session() as db:
            row = await db.get(PersonalAccessToken, token_id)
            # Someone else's token answers exactly like a missing one.
            if row is None or row.user_id != user_id or row.revoked_at is not None:
                raise NotFound("no such token")
            row.revoked_at = self.clock()

            async def announce() -> None:
                # Every process closes the WebSockets (agents, mostly) opened with it, as with a session.
                await publish(self.bus, BROADCAST_CHANNEL, TOKEN_REVOKED, token_ids=[token_id])

            after_commit(db, announce)

    async def find(self, token_id: str) -> PersonalAccessToken | None:
        async with self.store.session() as db:
            return await db.get(PersonalAccessToken, token_id)

    async def identify(self, token: str) -> Caller:
        """Resolve a personal access token to its caller, noting when it was last used."""
        now = self.clock()
        async with self.store.session() as db:
            row = (
                await db.execute(
                    select(PersonalAccessToken)
                    .join(User, col(User.id) == col(PersonalAccessToken.user_id))
                    .where(col(PersonalAccessToken.token_hash) == token_hash(token))
                )
            ).scalar_one_or_none()
            if row is None:
                raise Unauthorized("the token is not valid: unknown personal access token", code="token_invalid")
            if row.revoked_at is not None:
                raise Unauthorized("this personal access token has been revoked", code="token_revoked")
            if row.expires_at is not None and as_utc(row.expires_at) <= now:
                raise Unauthorized("this personal access token has expired", code="token_expired")
            if row.last_used_at is None or now - as_utc(row.last_used_at) >= LAST_USED_RESOLUTION:
                await db.execute(
                    update(PersonalAccessToken).where(col(PersonalAccessToken.id) == row.id).values(last_used_at=now)
                )
        return Caller(user_id=row.user_id, kind="pat", token_id=row.id, scopes=frozenset(row.scopes))


def ensure_live(row: PersonalAccessToken | None, user_id: str, now: datetime) -> None:
    """Raise unless ``row`` is a live token of ``user_id`` (used when a ticket minted from it is redeemed)."""
    if row is None or row.user_id != user_id or row.revoked_at is not None:
        raise Unauthorized("the personal access token behind this ticket was revoked", code="token_revoked")
    if row.expires_at is not None and as_utc(row.expires_at) <= now:
        raise Unauthorized("the personal access token behind this ticket has expired", code="token_expired")
