"""Sign-in sessions: each one a family of rotated refresh tokens, checked on every request, revocable at once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from backend.errors import NotFound, Unauthorized
from backend.events import BROADCAST_CHANNEL, publish
from backend.ports import EventBus, Store
from backend.services.accounts.clock import Clock, as_utc
from backend.services.accounts.session_cache import SessionCache
from backend.services.accounts.tokens import Claims, TokenCodec
from backend.store.db import after_commit
from backend.store.models import AuthSession, User, new_id

SESSION_REVOKED = "session.revoked"


@dataclass(frozen=True, slots=True)
class ClientInfo:
    """Where a sign-in comes from, kept on the session so its owner can recognise it."""

    address: str = ""
    user_agent: str = ""


@dataclass(frozen=True, slots=True)
class TokenPair:
    user: User
    session_id: str
    access_token: str
    refresh_token: str
    expires_in: int
    """Seconds the access token lives."""


def revoked(message: str = "this session has ended; sign in again") -> Unauthorized:
    return Unauthorized(message, code="token_revoked")


class Sessions:
    """Opens, rotates, checks and revokes sessions. Methods taking ``db`` join the caller's transaction."""

    def __init__(
        self, *, store: Store, codec: TokenCodec, clock: Clock, bus: EventBus, cache: SessionCache | None = None
    ) -> None:
        self.store = store
        self.codec = codec
        self.clock = clock
        self.bus = bus
        self.cache = cache if cache is not None else SessionCache(0)

    def open(self, db: AsyncSession, user: User, client: ClientInfo) -> TokenPair:
        """Add a new session for ``user`` to ``db`` and mint its first token pair."""
        session_id = new_id()
        access, refresh, claims = self._mint_pair(user.id, session_id)
        now = self.clock()
        db.add(
            AuthSession(
                id=session_id,
                user_id=user.id,
                current_refresh_jti=claims.jti,
                user_agent=client.user_agent[:300],
                client_address=client.address[:64],
                created_at=now,
                last_used_at=now,
                expires_at=claims.expires_at,
            )
        )
        return TokenPair(user, session_id, access, refresh, self.codec.ttls["access"])

    def _mint_pair(self, user_id: str, session_id: str) -> tuple[str, str, Claims]:
        access, _ = self.codec.mint("access", user_id=user_id, session_id=session_id)
        refresh, claims = self.codec.mint("refresh", user_id=user_id, session_id=session_id)
        return access, refresh, claims

    async def rotate(self, presented: Claims, client: ClientInfo) -> TokenPair:
        """Swap a refresh token for a new pair; a replayed older token ends the whole family."""
        session_id = presented.session_id or ""
        access, refresh, claims = self._mint_pair(presented.user_id, session_id)
        failure: Unauthorized | None = None
        async with self.store.session() as db:
            user = await db.get(User, presented.user_id)
            rotated = await db.execute(
                update(AuthSession)
                .where(
                    col(AuthSession.id) == session_id,
                    col(AuthSession.user_id) == presented.user_id,
                    col(AuthSession.current_refresh_jti) == presented.jti,
                    col(AuthSession.revoked_at).is_(None),
                )
                .values(
                    current_refresh_jti=claims.jti,
                    last_used_at=self.clock(),
                    expires_at=claims.expires_at,
                    client_address=client.address[:64],
                )
                .returning(col(AuthSession.id))
            )
            if user is None or rotated.scalar_one_or_none() is None:
                failure = await self._refuse_rotation(db, session_id)
        # Raised after the transaction so that revoking a replayed family is committed.
        if failure is not None:
            raise failure
        assert user is not None
        return TokenPair(user, session_id, access, refresh, self.codec.ttls["access"])

    async def _refuse_rotation(self, db: AsyncSession, session_id: str) -> Unauthorized:
        row = await db.get(AuthSession, session_id)
        if row is None or row.revoked_at is not None:
            return revoked()
        # A valid signature on an old jti of a live family: the token was copied. Nobody can tell the thief
        # from the owner, so both lose the family (RFC 9700 §4.14.2).
        await self._revoke(db, [session_id], "reuse")
        return Unauthorized(
            "this refresh token was already used; the session has been ended to be safe", code="token_reused"
        )

    async def ensure_active(self, claims: Claims) -> None:
        """Raise unless the session of an access token (or ticket) is live and its user still exists.

        A session confirmed live moments ago is taken from the cache (see ``session_cache``): a WebSocket
        handshake or an API call then costs no query, and revocation still takes effect at once.
        """
        session_id = claims.session_id or ""
        expires_at = self.cache.live(session_id, claims.user_id)
        if expires_at is None:
            started = self.cache.started()
            async with self.store.session() as db:
                row = (
                    await db.execute(
                        select(AuthSession)
                        .join(User, col(User.id) == col(AuthSession.user_id))
                        .where(col(AuthSession.id) == session_id, col(AuthSession.user_id) == claims.user_id)
                    )
                ).scalar_one_or_none()
            if row is None or row.revoked_at is not None:
                raise revoked()
            expires_at = as_utc(row.expires_at)
            self.cache.remember(session_id, claims.user_id, expires_at, started)
        if expires_at <= self.clock():
            raise Unauthorized("this session has expired; sign in again", code="token_expired")

    async def end(self, user_id: str, session_id: str, reason: str) -> None:
        """Revoke one live session of ``user_id``; 404 if there is none by that id."""
        async with self.store.session() as db:
            row = await db.get(AuthSession, session_id)
            if row is None or row.user_id != user_id or row.revoked_at is not None:
                raise NotFound("no such session")
            await self._revoke(db, [session_id], reason)

    async def end_all(self, db: AsyncSession, user_id: str, reason: str) -> None:
        ids = (
            await db.execute(
                select(AuthSession.id).where(col(AuthSession.user_id) == user_id, col(AuthSession.revoked_at).is_(None))
            )
        ).scalars()
        await self._revoke(db, list(ids), reason)

    async def _revoke(self, db: AsyncSession, session_ids: Sequence[str], reason: str) -> None:
        if not session_ids:
            return
        await db.execute(
            update(AuthSession)
            .where(col(AuthSession.id).in_(session_ids), col(AuthSession.revoked_at).is_(None))
            .values(revoked_at=self.clock(), revoked_reason=reason)
        )
        ids = list(session_ids)

        async def announce() -> None:
            # Here at once; in every process (caches, open WebSockets) through the broadcast channel.
            self.forget(ids)
            await publish(self.bus, BROADCAST_CHANNEL, SESSION_REVOKED, session_ids=ids, reason=reason)

        after_commit(db, announce)

    def forget(self, session_ids: Sequence[str]) -> None:
        """Sessions revoked (here or in another process): the next use of their tokens asks the database."""
        self.cache.forget(session_ids)

    async def active(self, user_id: str) -> list[AuthSession]:
        """The user's live sessions, most recently used first."""
        async with self.store.session() as db:
            rows = (
                await db.execute(
                    select(AuthSession)
                    .where(col(AuthSession.user_id) == user_id, col(AuthSession.revoked_at).is_(None))
                    .order_by(col(AuthSession.last_used_at).desc())
                )
            ).scalars()
            now = self.clock()
            return [row for row in rows if as_utc(row.expires_at) > now]
