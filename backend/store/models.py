"""SQLModel tables: the single source of the schema that Alembic migrations are written from."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index
from sqlmodel import Field, SQLModel


def new_id() -> str:
    """Opaque, unguessable identifier for rows exposed in the API."""
    return uuid.uuid4().hex


def utcnow() -> datetime:
    return datetime.now(UTC)


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    email: str = Field(max_length=320, unique=True, index=True)
    """Stored lower-cased: addresses are compared without case."""
    password_hash: str = Field(max_length=255)
    name: str = Field(default="", max_length=200)
    avatar_url: str | None = Field(default=None, max_length=2048)
    time_zone: str = Field(default="UTC", max_length=64)
    preferences: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="online", max_length=16)
    status_text: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    password_changed_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class AuthSession(SQLModel, table=True):
    """A sign-in: the family of refresh tokens rotated from one login; revoking it ends them all."""

    __tablename__ = "auth_sessions"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    user_id: str = Field(foreign_key="users.id", index=True, max_length=32, ondelete="CASCADE")
    current_refresh_jti: str = Field(max_length=64)
    """The only refresh token of this family that may still be used; any other one is a replay."""
    user_agent: str = Field(default="", max_length=300)
    client_address: str = Field(default="", max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    last_used_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    expires_at: datetime = Field(sa_type=DateTime(timezone=True))
    revoked_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    revoked_reason: str | None = Field(default=None, max_length=32)


class PersonalAccessToken(SQLModel, table=True):
    __tablename__ = "personal_access_tokens"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    user_id: str = Field(foreign_key="users.id", index=True, max_length=32, ondelete="CASCADE")
    name: str = Field(max_length=100)
    token_hash: str = Field(max_length=64, unique=True)
    """SHA-256 of the token; the token itself is shown once and never stored."""
    prefix: str = Field(max_length=16)
    scopes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    expires_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    last_used_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    revoked_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class Project(SQLModel, table=True):
    __tablename__ = "projects"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    name: str = Field(max_length=100)
    description: str = Field(default="", max_length=2000)
    created_by: str = Field(foreign_key="users.id", max_length=32)
    settings: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class Membership(SQLModel, table=True):
    __tablename__ = "memberships"

    project_id: str = Field(foreign_key="projects.id", primary_key=True, max_length=32, ondelete="CASCADE")
    user_id: str = Field(foreign_key="users.id", primary_key=True, max_length=32, index=True, ondelete="CASCADE")
    role: str = Field(max_length=16)
    preferences: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    """The member's per-project workspace: notification choices, created from the project's defaults."""
    joined_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class Invitation(SQLModel, table=True):
    __tablename__ = "invitations"
    __table_args__ = (Index("ix_invitations_project_email", "project_id", "email"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    project_id: str = Field(foreign_key="projects.id", index=True, max_length=32, ondelete="CASCADE")
    email: str = Field(max_length=320, index=True)
    role: str = Field(max_length=16)
    token_hash: str = Field(max_length=64, unique=True)
    invited_by: str = Field(foreign_key="users.id", max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    expires_at: datetime = Field(sa_type=DateTime(timezone=True))
    sent_count: int = Field(default=1)
    accepted_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    declined_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    revoked_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


__all__ = [
    "AuthSession",
    "Invitation",
    "Membership",
    "PersonalAccessToken",
    "Project",
    "User",
    "new_id",
    "utcnow",
]
