"""Signed JWTs (RFC 8725): access, refresh and WebSocket-ticket tokens that can never stand in for each other."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import jwt

from backend.errors import Unauthorized
from backend.services.accounts.clock import Clock

TokenType = Literal["access", "refresh", "ws"]
ALGORITHM = "HS256"
CLOCK_SKEW = 30
"""Seconds an ``iat`` may lie in the future (another process's clock) before the token is refused."""

# The type is said twice: in the header (RFC 8725 §3.11, RFC 9068) and as a claim, and each type has its
# own audience, so a token minted for one purpose fails every check of another.
HEADER_TYPES: Mapping[TokenType, str] = {"access": "at+jwt", "refresh": "rt+jwt", "ws": "ws+jwt"}
AUDIENCES: Mapping[TokenType, str] = {"access": "tandem:api", "refresh": "tandem:refresh", "ws": "tandem:ws"}
_REQUIRED = ["iss", "aud", "sub", "exp", "iat", "jti", "typ"]


@dataclass(frozen=True, slots=True)
class Claims:
    type: TokenType
    user_id: str
    jti: str
    issued_at: datetime
    expires_at: datetime
    session_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    """Claims beyond the registered ones (a WebSocket ticket's scopes and origin)."""


def invalid(reason: str) -> Unauthorized:
    return Unauthorized(f"the token is not valid: {reason}", code="token_invalid")


class TokenCodec:
    """Mints and checks tokens with one key, one algorithm and the injected clock."""

    def __init__(self, *, key: str, issuer: str, ttls: Mapping[TokenType, int], clock: Clock) -> None:
        self._key = key
        self.issuer = issuer
        self.ttls = dict(ttls)
        self._clock = clock

    def mint(
        self,
        token_type: TokenType,
        *,
        user_id: str,
        session_id: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> tuple[str, Claims]:
        now = self._clock().astimezone(UTC).replace(microsecond=0)
        claims = Claims(
            type=token_type,
            user_id=user_id,
            jti=secrets.token_hex(16),
            issued_at=now,
            expires_at=now + timedelta(seconds=self.ttls[token_type]),
            session_id=session_id,
            extra=dict(extra or {}),
        )
        payload: dict[str, Any] = {
            **claims.extra,
            "iss": self.issuer,
            "aud": AUDIENCES[token_type],
            "sub": user_id,
            "iat": int(now.timestamp()),
            "exp": int(claims.expires_at.timestamp()),
            "jti": claims.jti,
            "typ": token_type,
        }
        if session_id is not None:
            payload["sid"] = session_id
        token = jwt.encode(payload, self._key, algorithm=ALGORITHM, headers={"typ": HEADER_TYPES[token_type]})
        return token, claims

    def decode(self, token: str, expected: TokenType) -> Claims:
        """Verify everything about ``token`` for use as ``expected``; raise ``Unauthorized`` with a precise code."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as err:
            raise invalid("not a token this service issues") from err
        # Read before the signature check only to word the refusal; the verdict never depends on it.
        if header.get("typ") != HEADER_TYPES[expected]:
            raise invalid(f"a {_describe(header.get('typ'))} cannot be used as {_ARTICLE[expected]}")
        required = [*_REQUIRED, "sid"] if expected != "ws" else _REQUIRED
        try:
            payload: dict[str, Any] = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],  # pinned: never taken from the token's own header
                audience=AUDIENCES[expected],
                issuer=self.issuer,
                options={
                    "require": required,
                    # Times are checked below against the injected clock, not PyJWT's wall clock.
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
        except jwt.InvalidTokenError as err:
            raise invalid(str(err) or type(err).__name__) from err
        if payload["typ"] != expected:
            raise invalid(f"a {payload['typ']!s} token cannot be used as {_ARTICLE[expected]}")
        return self._check_times(payload, expected)

    def _check_times(self, payload: dict[str, Any], expected: TokenType) -> Claims:
        try:
            issued_at = datetime.fromtimestamp(int(payload["iat"]), UTC)
            expires_at = datetime.fromtimestamp(int(payload["exp"]), UTC)
        except (TypeError, ValueError, OverflowError, OSError) as err:
            raise invalid("malformed time claims") from err
        now = self._clock()
        if expires_at <= now:
            raise Unauthorized(f"the {expected} token has expired", code="token_expired")
        if issued_at > now + timedelta(seconds=CLOCK_SKEW):
            raise invalid("issued in the future")
        registered = {"iss", "aud", "sub", "exp", "iat", "jti", "typ", "sid"}
        return Claims(
            type=expected,
            user_id=str(payload["sub"]),
            jti=str(payload["jti"]),
            issued_at=issued_at,
            expires_at=expires_at,
            session_id=str(payload["sid"]) if "sid" in payload else None,
            extra={k: v for k, v in payload.items() if k not in registered},
        )


_ARTICLE: Mapping[TokenType, str] = {"access": "an access token", "refresh": "a refresh token", "ws": "a ticket"}
_BY_HEADER = {value: key for key, value in HEADER_TYPES.items()}


def _describe(header_typ: object) -> str:
    kind = _BY_HEADER.get(str(header_typ))
    return f"{kind} token" if kind else "token of unknown type"
