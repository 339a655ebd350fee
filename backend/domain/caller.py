"""Who is making a request: identified by the auth middleware, authorized by the views."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# Scopes a personal access token can carry; a signed-in session (access token) has them all.
SCOPES = ("read", "write", "agent")
ALL_SCOPES = frozenset(SCOPES)


@dataclass(frozen=True, slots=True)
class Caller:
    user_id: str
    kind: Literal["access", "pat"]
    session_id: str | None = None
    """The sign-in session (refresh token family) for access tokens; None for personal tokens."""
    token_id: str | None = None
    """The personal access token's id, for PATs."""
    scopes: frozenset[str] = ALL_SCOPES

    def allows(self, scope: str) -> bool:
        return scope in self.scopes
