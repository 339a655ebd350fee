"""Accounts: registration, sign-in, token rotation and revocation, profiles and personal access tokens."""

from __future__ import annotations

from backend.services.accounts.service import AccountService, TokenPair

__all__ = ["AccountService", "TokenPair"]
