"""HTTP views for accounts: auth flows, the signed-in user's profile, preferences, status and tokens."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Annotated, Literal

from aiohttp import web
from pydantic import AfterValidator, AwareDatetime, Field

from backend import keys
from backend.api.models import Input, Output, storable
from backend.api.registry import Routes
from backend.domain.accounts import EMAIL_MAX_LENGTH, PASSWORD_MAX_LENGTH, STATUS_TEXT_MAX_LENGTH, Status
from backend.domain.preferences import Preferences
from backend.services.accounts import AccountService, TokenPair
from backend.services.accounts.addresses import Network, client_address, parse_networks
from backend.services.accounts.clock import as_utc
from backend.services.accounts.service import require_session
from backend.services.accounts.sessions import ClientInfo

routes = Routes(tag="accounts")

UtcDatetime = Annotated[datetime, AfterValidator(as_utc)]
_PASSWORD = Field(max_length=4 * PASSWORD_MAX_LENGTH, description="Any characters; at least 8 of them.")


# -- bodies ---------------------------------------------------------------------------------------


class RegisterIn(Input):
    email: str = Field(max_length=EMAIL_MAX_LENGTH)
    password: str = _PASSWORD
    name: str = Field(default="", max_length=200)


class LoginIn(Input):
    email: str = Field(max_length=EMAIL_MAX_LENGTH)
    password: str = _PASSWORD


class RefreshIn(Input):
    refresh_token: str = Field(max_length=4096)


class PasswordIn(Input):
    current_password: str = _PASSWORD
    new_password: str = _PASSWORD


class ProfileIn(Input):
    """Only the fields present are changed; ``avatar_url: null`` removes the avatar."""

    name: str = Field(default="", max_length=200)
    avatar_url: str | None = Field(default=None, max_length=2048, description="An http or https URL.")
    time_zone: str = Field(default="UTC", max_length=64, description="IANA name, e.g. `Europe/Paris`.")


class StatusIn(Input):
    status: Status
    text: str = Field(default="", max_length=STATUS_TEXT_MAX_LENGTH)


class TokenIn(Input):
    name: str = Field(min_length=1, max_length=100)
    scopes: list[Literal["read", "write", "agent"]] = Field(min_length=1, max_length=3)
    expires_at: Annotated[AwareDatetime, AfterValidator(storable)] | None = Field(
        default=None, description="When the token stops working; never if null."
    )


# -- responses ------------------------------------------------------------------------------------


class UserOut(Output):
    id: str
    email: str
    name: str
    avatar_url: str | None
    time_zone: str
    status: str
    status_text: str
    created_at: UtcDatetime


class AuthOut(Output):
    user: UserOut
    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - the scheme's name, not a secret
    expires_in: int = Field(description="Seconds the access token lives.")


class StatusOut(Output):
    status: str
    text: str


class TokenOut(Output):
    id: str
    name: str
    prefix: str = Field(description="The first characters of the token, to recognise it.")
    scopes: list[str]
    created_at: UtcDatetime
    expires_at: UtcDatetime | None
    last_used_at: UtcDatetime | None


class TokenCreated(TokenOut):
    token: str = Field(description="The secret itself. It is shown this once and cannot be read again.")


class TokenList(Output):
    items: list[TokenOut]


class SessionOut(Output):
    id: str
    user_agent: str
    client_address: str
    created_at: UtcDatetime
    last_used_at: UtcDatetime
    expires_at: UtcDatetime
    current: bool = False


class SessionList(Output):
    items: list[SessionOut]


# -- helpers --------------------------------------------------------------------------------------


def _accounts(request: web.Request) -> AccountService:
    return request.app[keys.SERVICES].accounts


@cache
def _networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return parse_networks(proxies)


def _client(request: web.Request) -> ClientInfo:
    trusted = _networks(request.app[keys.SETTINGS].trusted_proxies)
    address = client_address(request.remote, request.headers.get("X-Forwarded-For"), trusted)
    return ClientInfo(address=address, user_agent=request.headers.get("User-Agent", ""))


def _auth(pair: TokenPair) -> AuthOut:
    return AuthOut(
        user=UserOut.model_validate(pair.user),
        access_token=pair.access_token,
        refresh_token=pair.refresh_token,
        expires_in=pair.expires_in,
    )


# -- auth flows -----------------------------------------------------------------------------------


@routes.post("/api/auth/register", body=RegisterIn, response=AuthOut, status=201, auth=False, errors=(409,))
async def register(request: web.Request, body: RegisterIn) -> AuthOut:
    """Create an account and sign in.

    Passwords need at least 8 characters (up to 1024); emails are compared without case.
    """
    pair = await _accounts(request).register(
        email=body.email, password=body.password, name=body.name, client=_client(request)
    )
    return _auth(pair)


@routes.post("/api/auth/login", body=LoginIn, response=AuthOut, auth=False, errors=(401, 429))
async def login(request: web.Request, body: LoginIn) -> AuthOut:
    """Sign in with email and password.

    Repeated failures for one account or from one address answer 429 with `Retry-After`.
    """
    pair = await _accounts(request).login(email=body.email, password=body.password, client=_client(request))
    return _auth(pair)


@routes.post("/api/auth/refresh", body=RefreshIn, response=AuthOut, auth=False, errors=(401,))
async def refresh(request: web.Request, body: RefreshIn) -> AuthOut:
    """Swap a refresh token for a new token pair.

    Each refresh token works once; presenting a spent one ends the session (`token_reused`).
    """
    return _auth(await _accounts(request).refresh(body.refresh_token, _client(request)))


@routes.post("/api/auth/logout")
async def logout(request: web.Request) -> None:
    """Sign out: end this session, so its access and refresh tokens stop working."""
    await _accounts(request).logout(request[keys.CALLER])


@routes.post("/api/auth/password", body=PasswordIn, response=AuthOut, errors=(429,))
async def change_password(request: web.Request, body: PasswordIn) -> AuthOut:
    """Change the password: every session ends, and this client gets a new token pair.

    Needs a signed-in session (not a personal access token). A wrong current password answers 403.
    """
    pair = await _accounts(request).change_password(
        request[keys.CALLER],
        current_password=body.current_password,
        new_password=body.new_password,
        client=_client(request),
    )
    return _auth(pair)


# -- profile, preferences, status -----------------------------------------------------------------


@routes.get("/api/me", response=UserOut)
async def get_me(request: web.Request) -> UserOut:
    """Your profile."""
    return UserOut.model_validate(await _accounts(request).profiles.get(request[keys.CALLER].user_id))


@routes.patch("/api/me", body=ProfileIn, response=UserOut)
async def update_me(request: web.Request, body: ProfileIn) -> UserOut:
    """Change your name, avatar URL or time zone."""
    changes = body.model_dump(exclude_unset=True)
    user = await _accounts(request).profiles.update(request[keys.CALLER].user_id, changes)
    return UserOut.model_validate(user)


@routes.get("/api/me/preferences", response=Preferences)
async def get_preferences(request: web.Request) -> Preferences:
    """Your preferences, with defaults filled in for everything you have not chosen."""
    return await _accounts(request).profiles.preferences(request[keys.CALLER].user_id)


@routes.put("/api/me/preferences", body=Preferences, response=Preferences)
async def put_preferences(request: web.Request, body: Preferences) -> Preferences:
    """Replace your preferences; groups and fields left out take their defaults."""
    return await _accounts(request).profiles.replace_preferences(request[keys.CALLER].user_id, body)


@routes.put("/api/me/status", body=StatusIn, response=StatusOut)
async def put_status(request: web.Request, body: StatusIn) -> StatusOut:
    """Set your presence status; your teammates' editors see it at once."""
    user = await _accounts(request).profiles.set_status(request[keys.CALLER].user_id, body.status, body.text)
    return StatusOut(status=user.status, text=user.status_text)


# -- personal access tokens and sessions ----------------------------------------------------------


@routes.get("/api/me/tokens", response=TokenList)
async def list_tokens(request: web.Request) -> TokenList:
    """Your personal access tokens (never the secrets). Needs a signed-in session."""
    caller = request[keys.CALLER]
    require_session(caller)
    rows = await _accounts(request).tokens.active(caller.user_id)
    return TokenList(items=[TokenOut.model_validate(row) for row in rows])


@routes.post("/api/me/tokens", body=TokenIn, response=TokenCreated, status=201, errors=(409,))
async def create_token(request: web.Request, body: TokenIn) -> TokenCreated:
    """Create a personal access token for an agent or a script; the secret is shown once.

    Needs a signed-in session: a personal access token cannot create more tokens.
    """
    caller = request[keys.CALLER]
    require_session(caller)
    row, secret = await _accounts(request).tokens.create(
        caller.user_id, name=body.name, scopes=body.scopes, expires_at=body.expires_at
    )
    return TokenCreated.model_validate({**TokenOut.model_validate(row).model_dump(), "token": secret})


@routes.delete("/api/me/tokens/{token_id}", errors=(404,))
async def revoke_token(request: web.Request) -> None:
    """Revoke one of your personal access tokens; it stops working at once."""
    caller = request[keys.CALLER]
    require_session(caller)
    await _accounts(request).tokens.revoke(caller.user_id, request.match_info["token_id"])


@routes.get("/api/me/sessions", response=SessionList)
async def list_sessions(request: web.Request) -> SessionList:
    """Where you are signed in; `current` marks this session."""
    caller = request[keys.CALLER]
    current = require_session(caller)
    rows = await _accounts(request).sessions.active(caller.user_id)
    items = [SessionOut.model_validate(row).model_copy(update={"current": row.id == current}) for row in rows]
    return SessionList(items=items)


@routes.delete("/api/me/sessions/{session_id}", errors=(404,))
async def end_session(request: web.Request) -> None:
    """Sign out one of your sessions, for example on a lost laptop."""
    caller = request[keys.CALLER]
    require_session(caller)
    await _accounts(request).sessions.end(caller.user_id, request.match_info["session_id"], "ended_by_user")
