"""SQLModel tables: the single source of the schema that Alembic migrations are written from."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, DateTime, Index, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT.
BIG_ID = BigInteger().with_variant(Integer(), "sqlite")


def new_id() -> str:
    """Opaque, unguessable identifier for rows exposed in the API."""
    return uuid.uuid4().hex


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_hash_key() -> str:
    return secrets.token_urlsafe(32)


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
    hash_key: str = Field(default_factory=new_hash_key, max_length=64)
    """Key of the project's hunk hashes: agents get it to hash their changes; the text stays on their machine."""
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


class Repository(SQLModel, table=True):
    """A repository registered in a project, identified by its normalised remote URL."""

    __tablename__ = "repositories"
    __table_args__ = (UniqueConstraint("project_id", "url", name="uq_repositories_project_url"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=32)
    project_id: str = Field(foreign_key="projects.id", index=True, max_length=32, ondelete="CASCADE")
    url: str = Field(max_length=512, index=True)
    """Normalised remote URL (``host/owner/name``): every spelling of the same remote gives the same value."""
    default_branch: str = Field(default="main", max_length=255)
    created_by: str = Field(foreign_key="users.id", max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class ActivityRecord(SQLModel, table=True):
    """Who worked on which file of which branch, per day: the activity history, kept for the retention."""

    __tablename__ = "activity"
    __table_args__ = (
        UniqueConstraint("repository_id", "user_id", "branch", "path", "day", name="uq_activity_key"),
        Index("ix_activity_project_last_seen", "project_id", "last_seen"),
    )

    id: int | None = Field(default=None, sa_column=Column(BIG_ID, primary_key=True, autoincrement=True))
    project_id: str = Field(foreign_key="projects.id", max_length=32, ondelete="CASCADE")
    repository_id: str = Field(foreign_key="repositories.id", max_length=32, ondelete="CASCADE")
    user_id: str = Field(foreign_key="users.id", max_length=32, index=True, ondelete="CASCADE")
    branch: str = Field(max_length=255)
    path: str = Field(max_length=4096)
    day: date
    first_seen: datetime = Field(sa_type=DateTime(timezone=True))
    last_seen: datetime = Field(sa_type=DateTime(timezone=True))
    updates: int = Field(default=1)


class FindingRecord(SQLModel, table=True):
    """A finding as last computed: open until resolved, with both sides' regions."""

    __tablename__ = "findings"
    __table_args__ = (Index("ix_findings_project_state", "project_id", "state"),)

    id: str = Field(primary_key=True, max_length=64)
    project_id: str = Field(foreign_key="projects.id", max_length=32, ondelete="CASCADE")
    repository_id: str = Field(foreign_key="repositories.id", max_length=32, ondelete="CASCADE")
    path: str = Field(max_length=4096)
    severity: str = Field(max_length=16)
    state: str = Field(default="open", max_length=16)
    user_a: str = Field(max_length=32, index=True)
    user_b: str = Field(max_length=32, index=True)
    approximate: bool = False
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    """Both sides' regions, branches and shared symbols, as sent to clients."""
    opened_at: datetime = Field(sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(sa_type=DateTime(timezone=True))
    resolved_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class FindingEvent(SQLModel, table=True):
    """The history of a finding: opened, updated, resolved."""

    __tablename__ = "finding_events"

    id: int | None = Field(default=None, sa_column=Column(BIG_ID, primary_key=True, autoincrement=True))
    finding_id: str = Field(max_length=64, index=True)
    project_id: str = Field(foreign_key="projects.id", max_length=32, ondelete="CASCADE")
    kind: str = Field(max_length=16)
    severity: str = Field(max_length=16)
    at: datetime = Field(sa_type=DateTime(timezone=True))


class FindingMute(SQLModel, table=True):
    """A person dismissed (``until`` null) or snoozed a finding; a more severe finding shows again."""

    __tablename__ = "finding_mutes"

    finding_id: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(foreign_key="users.id", primary_key=True, max_length=32, ondelete="CASCADE")
    severity: str = Field(max_length=16)
    until: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


__all__ = [
    "ActivityRecord",
    "AuthSession",
    "FindingEvent",
    "FindingMute",
    "FindingRecord",
    "Invitation",
    "Membership",
    "PersonalAccessToken",
    "Project",
    "Repository",
    "User",
    "new_id",
    "utcnow",
]
