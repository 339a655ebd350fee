"""Brute-force protection for sign-in: failed attempts counted per account and per client address."""

from __future__ import annotations

import hashlib

from backend.errors import RateLimited
from backend.ports import Counters


def _account_key(email: str) -> str:
    # Hashed so that the counters (Redis in scale-out) hold no email addresses.
    return "login:account:" + hashlib.sha256(email.encode()).hexdigest()[:32]


def _address_key(address: str) -> str:
    return "login:address:" + address


class LoginThrottle:
    """Refuses sign-in with 429 once an account or an address has failed too often within the window.

    Unknown addresses are counted like real ones, so the limit reveals nothing about who has an account.
    """

    def __init__(self, counters: Counters, *, per_account: int, per_address: int, window: int) -> None:
        self.counters = counters
        self.per_account = per_account
        self.per_address = per_address
        self.window = window

    async def check(self, email: str, address: str | None = None) -> None:
        """Raise ``RateLimited`` if either budget is spent, whatever the password turns out to be."""
        checks = [(_account_key(email), self.per_account)]
        if address:
            checks.append((_address_key(address), self.per_address))
        for key, limit in checks:
            hit = await self.counters.peek(key, limit=limit)
            if not hit.allowed:
                raise RateLimited(
                    f"too many failed sign-ins; try again in {hit.retry_after} seconds", retry_after=hit.retry_after
                )

    async def failed(self, email: str, address: str | None = None) -> None:
        await self.counters.hit(_account_key(email), limit=self.per_account, window=self.window)
        if address:
            await self.counters.hit(_address_key(address), limit=self.per_address, window=self.window)

    async def succeeded(self, email: str) -> None:
        """A correct password clears the account's count; the address keeps its count (it may be guessing)."""
        await self.counters.reset(_account_key(email))
