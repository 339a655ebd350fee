"""HTTP views for accounts: auth flows, the signed-in user's profile, preferences, status and tokens."""

from __future__ import annotations

from backend.api.registry import Routes

routes = Routes(tag="accounts")
