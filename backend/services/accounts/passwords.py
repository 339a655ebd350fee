"""Password hashing with Argon2id (passlib over argon2-cffi), always off the event loop."""

from __future__ import annotations

import asyncio
import secrets
import warnings
from dataclasses import dataclass
from typing import Any

from passlib.hash import argon2


def _load_backend() -> None:
    # passlib 1.7.4 reads ``argon2.__version__``, which argon2-cffi 25 deprecates; the pinned pair works.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Accessing argon2.__version__", category=DeprecationWarning)
        argon2.set_backend("argon2_cffi")


@dataclass(frozen=True, slots=True)
class Verified:
    ok: bool
    needs_rehash: bool = False
    """The hash was made with other cost parameters than the configured ones; store a new one."""


class PasswordHasher:
    """Hashes and verifies passwords in a worker thread; hashing costs about 0.1 s by design."""

    def __init__(self, *, memory_kib: int, time_cost: int, parallelism: int) -> None:
        _load_backend()
        self._hasher: Any = argon2.using(
            type="ID", memory_cost=max(memory_kib, 8 * parallelism), rounds=time_cost, parallelism=parallelism
        )
        self._dummy: str | None = None

    async def hash(self, password: str) -> str:
        result: str = await asyncio.to_thread(self._hasher.hash, password)
        return result

    async def verify(self, password: str, stored_hash: str) -> Verified:
        return await asyncio.to_thread(self._verify, password, stored_hash)

    def _verify(self, password: str, stored_hash: str) -> Verified:
        try:
            ok = bool(self._hasher.verify(password, stored_hash))
        except ValueError:
            # A malformed stored hash: nobody can sign in with it, which is the safe outcome.
            return Verified(ok=False)
        return Verified(ok=ok, needs_rehash=ok and bool(self._hasher.needs_update(stored_hash)))

    async def waste_time(self, password: str) -> None:
        """Do the work of a verification for an unknown account, so timing does not tell it apart."""
        if self._dummy is None:
            # The first time, making the dummy hash is itself the same amount of work as a verification.
            self._dummy = await self.hash(password + secrets.token_urlsafe(16))
            return
        await self.verify(password, self._dummy)
