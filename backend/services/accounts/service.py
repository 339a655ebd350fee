"""The account service: registration, sign-in, refresh, sign-out, password changes and caller identification."""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from backend.domain.accounts import PASSWORD_MAX_LENGTH, check_name, check_new_password, normalize_email
from backend.domain.accounts import normalize_password as normalized
from backend.domain.caller import ALL_SCOPES, Caller
from backend.errors import Conflict, Forbidden, Unauthorized
from backend.ports import Counters, EventBus, Store
from backend.services.accounts.clock import Clock, system_clock
from backend.services.accounts.passwords import PasswordHasher
from backend.services.accounts.personal_tokens import PersonalTokens, ensure_live, is_personal_token
from backend.services.accounts.profiles import Profiles, load_user
from backend.services.accounts.session_cache import SessionCache
from backend.services.accounts.sessions import ClientInfo, Sessions, TokenPair, revoked
from backend.services.accounts.throttle import LoginThrottle
from backend.services.accounts.tokens import TokenCodec
from backend.settings import Settings
from backend.store.models import User, new_id

WS_TICKET_TTL = 30
"""Seconds a WebSocket ticket can wait before it is redeemed."""
_BAD_CREDENTIALS = "wrong email or password"

__all__ = ["AccountService", "ClientInfo", "TokenPair"]


class AccountService:
    """Everything about who a caller is. ``profiles``, ``tokens`` and ``sessions`` hold the self-service parts."""

    def __init__(
        self, *, settings: Settings, store: Store, bus: EventBus, counters: Counters, clock: Clock = system_clock
    ) -> None:
        self.settings = settings
        self.store = store
        self.bus = bus
        self.counters = counters
        self.clock = clock
        self.passwords = PasswordHasher(
            memory_kib=settings.password_hash_memory_kib,
            time_cost=settings.password_hash_time_cost,
            parallelism=settings.password_hash_parallelism,
        )
        self.codec = TokenCodec(
            key=settings.signing_key(),
            issuer=settings.effective_public_url,
            ttls={"access": settings.access_token_ttl, "refresh": settings.refresh_token_ttl, "ws": WS_TICKET_TTL},
            clock=clock,
        )
        self.throttle = LoginThrottle(
            counters,
            per_account=settings.login_max_failures,
            per_address=settings.login_max_failures_per_address,
            window=settings.login_window,
        )
        self.sessions = Sessions(
            store=store, codec=self.codec, clock=clock, bus=bus, cache=SessionCache(settings.session_cache_ttl)
        )
        self.tokens = PersonalTokens(store=store, clock=clock, bus=bus)
        self.profiles = Profiles(store=store, bus=bus, clock=clock)

    # -- sign-up and sign-in ----------------------------------------------------------------------

    async def register(self, *, email: str, password: str, name: str = "", client: ClientInfo) -> TokenPair:
        """Create an account and sign it in; 409 if the address is taken (compared without case)."""
        email = normalize_email(email)
        password = check_new_password(password, email=email)
        name = check_name(name)
        if await self._find_user(email) is not None:
            raise Conflict("an account with this email already exists", code="email_taken")
        password_hash = await self.passwords.hash(password)
        now = self.clock()
        user = User(
            id=new_id(),
            email=email,
            password_hash=password_hash,
            name=name,
            created_at=now,
            updated_at=now,
            password_changed_at=now,
        )
        try:
            async with self.store.session() as db:
                db.add(user)
                await db.flush()  # the user row must exist before its session references it
                return self.sessions.open(db, user, client)
        except IntegrityError as err:  # registered by a concurrent request since the check above
            raise Conflict("an account with this email already exists", code="email_taken") from err

    async def login(self, *, email: str, password: str, client: ClientInfo) -> TokenPair:
        """Check a password under the brute-force limits and open a session."""
        email = email.strip().lower()
        await self.throttle.check(email, client.address)
        user = await self._find_user(email)
        password = normalized(password)
        if user is None or len(password) > PASSWORD_MAX_LENGTH:
            # An unknown address costs what a wrong password costs; an overlong password (the body allows 4x the
            # policy, and NFKC can stretch it further) costs what the longest acceptable one does.
            await self.passwords.waste_time(password[:PASSWORD_MAX_LENGTH])
            ok, rehash = False, False
        else:
            verdict = await self.passwords.verify(password, user.password_hash)
            ok, rehash = verdict.ok, verdict.needs_rehash
        if user is None or not ok:
            await self.throttle.failed(email, client.address)
            raise Unauthorized(_BAD_CREDENTIALS, code="invalid_credentials")
        await self.throttle.succeeded(email)
        new_hash = await self.passwords.hash(password) if rehash else None
        async with self.store.session() as db:
            if new_hash is not None:
                await db.execute(update(User).where(col(User.id) == user.id).values(password_hash=new_hash))
            return self.sessions.open(db, user, client)

    async def _find_user(self, email: str) -> User | None:
        async with self.store.session() as db:
            return (await db.execute(select(User).where(col(User.email) == email))).scalar_one_or_none()

    # -- tokens -----------------------------------------------------------------------------------

    async def refresh(self, refresh_token: str, client: ClientInfo) -> TokenPair:
        """Rotate a refresh token: the presented one is spent, and presenting it again ends the session."""
        return await self.sessions.rotate(self.codec.decode(refresh_token, "refresh"), client)

    async def logout(self, caller: Caller) -> None:
        """End the caller's session: its access and refresh tokens stop working at once."""
        await self.sessions.end(caller.user_id, require_session(caller), "signed_out")

    async def change_password(
        self, caller: Caller, *, current_password: str, new_password: str, client: ClientInfo
    ) -> TokenPair:
        """Replace the password, end every session of the user and sign this client in again."""
        require_session(caller)
        user = await self.profiles.get(caller.user_id)
        await self.throttle.check(user.email)
        verdict = await self.passwords.verify(normalized(current_password), user.password_hash)
        if not verdict.ok:
            await self.throttle.failed(user.email)
            raise Forbidden("the current password is wrong", code="wrong_password")
        password_hash = await self.passwords.hash(check_new_password(new_password, email=user.email))
        async with self.store.session() as db:
            user = await load_user(db, caller.user_id)
            now = self.clock()
            user.password_hash, user.password_changed_at, user.updated_at = password_hash, now, now
            await self.sessions.end_all(db, user.id, "password_changed")
            return self.sessions.open(db, user, client)

    async def identify(self, token: str) -> Caller:
        """Resolve a bearer token (access JWT or personal access token) to a caller, or raise Unauthorized."""
        if is_personal_token(token):
            return await self.tokens.identify(token)
        claims = self.codec.decode(token, "access")
        await self.sessions.ensure_active(claims)
        return Caller(user_id=claims.user_id, kind="access", session_id=claims.session_id, scopes=ALL_SCOPES)

    # -- WebSocket tickets ------------------------------------------------------------------------

    @property
    def ws_ticket_ttl(self) -> int:
        return WS_TICKET_TTL

    async def mint_ws_ticket(self, user_id: str, *, via: Caller | None = None) -> str:
        """A single-use ticket, valid for ``WS_TICKET_TTL`` seconds, to open a WebSocket as ``user_id``.

        Pass the requesting caller as ``via``: the ticket then carries its kind and scopes (a read-only personal
        token cannot mint a full-power ticket) and dies with its session or token. Without it: all scopes.
        """
        extra: dict[str, Any] = {"knd": "access", "scp": sorted(ALL_SCOPES)}
        if via is not None:
            extra = {"knd": via.kind, "scp": sorted(via.scopes), "tid": via.token_id}
        session_id = via.session_id if via is not None else None
        token, _ = self.codec.mint("ws", user_id=user_id, session_id=session_id, extra=extra)
        return token

    async def redeem_ws_ticket(self, ticket: str) -> Caller:
        """Check and spend a ticket; a second redemption is refused with ``token_reused``."""
        claims = self.codec.decode(ticket, "ws")
        spent = await self.counters.hit(f"ticket:{claims.jti}", limit=1, window=WS_TICKET_TTL)
        if not spent.allowed:
            raise Unauthorized("this ticket was already used; ask for a new one", code="token_reused")
        kind: Literal["access", "pat"] = "pat" if claims.extra.get("knd") == "pat" else "access"
        token_id = claims.extra.get("tid")
        if claims.session_id is not None:
            await self.sessions.ensure_active(claims)
        elif kind == "pat":
            ensure_live(await self.tokens.find(str(token_id)), claims.user_id, self.clock())
        else:
            async with self.store.session() as db:
                if await db.get(User, claims.user_id) is None:
                    raise revoked("this account no longer exists")
        scopes = frozenset(str(s) for s in claims.extra.get("scp", ())) & ALL_SCOPES
        return Caller(
            user_id=claims.user_id,
            kind=kind,
            session_id=claims.session_id,
            token_id=str(token_id) if kind == "pat" else None,
            scopes=scopes,
        )


def require_session(caller: Caller) -> str:
    """The caller's session id; personal access tokens may not manage sessions, passwords or other tokens."""
    if caller.kind != "access" or caller.session_id is None:
        raise Forbidden("a personal access token cannot do this; sign in with your password", code="session_required")
    return caller.session_id
