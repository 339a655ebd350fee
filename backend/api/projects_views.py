"""HTTP views for projects, members, invitations and project settings."""

from __future__ import annotations

from backend.api.registry import Routes

routes = Routes(tag="projects")
