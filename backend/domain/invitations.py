"""Invitation rules without I/O: tokens and their digests, the state of an invitation, address matching."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from backend.errors import Conflict, Forbidden

ACCEPT_PATH = "/invitations/{token}"
"""Where the accept URL points on the public URL: the dashboard page that signs in and accepts."""


class State(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    REVOKED = "revoked"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class Lifecycle:
    """The timestamps that decide an invitation's state."""

    expires_at: datetime
    accepted_at: datetime | None = None
    declined_at: datetime | None = None
    revoked_at: datetime | None = None


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything the store keeps is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def new_token() -> str:
    """A single-use invitation token (256 bits), shown once; only its digest is stored."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalize_email(address: str) -> str:
    """Addresses are compared without case and surrounding blanks, as accounts store them."""
    return address.strip().lower()


def accept_url(public_url: str, token: str) -> str:
    return public_url.rstrip("/") + ACCEPT_PATH.format(token=token)


def state(lifecycle: Lifecycle, now: datetime) -> State:
    if lifecycle.accepted_at is not None:
        return State.ACCEPTED
    if lifecycle.declined_at is not None:
        return State.DECLINED
    if lifecycle.revoked_at is not None:
        return State.REVOKED
    if as_utc(lifecycle.expires_at) <= now:
        return State.EXPIRED
    return State.PENDING


_NOT_PENDING = {
    State.ACCEPTED: ("this invitation was already accepted; it can be used only once", "invitation_used"),
    State.DECLINED: ("this invitation was declined; ask for a new one", "invitation_declined"),
    State.REVOKED: ("this invitation was revoked by the project", "invitation_revoked"),
    State.EXPIRED: ("this invitation has expired; ask the project for a new one", "invitation_expired"),
}


def require_answerable(lifecycle: Lifecycle, *, invited: str, answerer: str, now: datetime) -> None:
    """Raise unless the account with address ``answerer`` may accept or decline an invitation to ``invited``."""
    if normalize_email(answerer) != normalize_email(invited):
        raise Forbidden(
            "this invitation was sent to another address: sign in with the account of the invited address",
            code="wrong_account",
        )
    current = state(lifecycle, now)
    if current is not State.PENDING:
        message, code = _NOT_PENDING[current]
        raise Conflict(message, code=code)
