"""The project settings document: its schema and defaults, merging a patch, and members' initial workspace."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from backend.errors import Invalid

Sensitivity = Literal["conflict", "overlap", "nearby"]
"""The lowest severity reported: ``conflict`` (same lines) < ``overlap`` (same symbol) < ``nearby`` (same file)."""
Digest = Literal["off", "daily", "weekly"]

_BRANCH_FORBIDDEN = frozenset(" ~^:?*[\\")


def _branch_name(name: str) -> str:
    """Accept a name git would take for a branch (the common rules of ``git check-ref-format``)."""
    bad = (
        name.startswith(("-", "/", "."))
        or name.endswith(("/", ".", ".lock"))
        or any(part in name for part in ("..", "//", "@{", "/."))
        or any(ch in _BRANCH_FORBIDDEN or not ch.isprintable() for ch in name)
    )
    if bad:
        raise ValueError("not a valid git branch name")
    return name


BranchName = Annotated[str, Field(min_length=1, max_length=255), AfterValidator(_branch_name)]


class _Document(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NotificationDefaults(_Document):
    """What a new member is notified of until they choose otherwise."""

    email: bool = Field(default=False, description="Email about conflicts and invitations.")
    desktop: bool = Field(default=True, description="Desktop/editor notifications.")
    mentions: bool = Field(default=True, description="Notify when mentioned.")
    digest: Digest = Field(default="daily", description="A summary of the team's activity by email.")


class ProjectSettings(_Document):
    """A project's settings; every key has a default, unknown keys are refused."""

    default_branch: BranchName = "main"
    conflict_sensitivity: Sensitivity = Field(
        default="overlap",
        description="Lowest severity that notifies: conflict (same lines), overlap (same symbol), nearby (same file).",
    )
    notification_defaults: NotificationDefaults = Field(default_factory=NotificationDefaults)
    activity_retention_days: int = Field(default=90, ge=1, le=3650)


class NotificationDefaultsPatch(_Document):
    email: bool | None = None
    desktop: bool | None = None
    mentions: bool | None = None
    digest: Digest | None = None


class ProjectSettingsPatch(_Document):
    """A partial settings document: the keys given replace the current values, nested objects merge."""

    default_branch: BranchName | None = None
    conflict_sensitivity: Sensitivity | None = None
    notification_defaults: NotificationDefaultsPatch | None = None
    activity_retention_days: int | None = Field(default=None, ge=1, le=3650)


def load(stored: dict[str, Any]) -> ProjectSettings:
    """The settings kept in the store (possibly ``{}`` or written by an older version) with defaults filled in."""
    known = {key: value for key, value in stored.items() if key in ProjectSettings.model_fields}
    try:
        return ProjectSettings.model_validate(known)
    except ValidationError:
        # A stored document that no longer validates must not lock the project: fall back to defaults.
        return ProjectSettings()


def merge(current: ProjectSettings, patch: ProjectSettingsPatch) -> tuple[ProjectSettings, list[str]]:
    """Apply ``patch``; return the new document and the top-level keys whose value changed."""
    given = patch.model_dump(exclude_unset=True)
    nulls = [key for key, value in given.items() if value is None]
    nested = given.get("notification_defaults") or {}
    nulls += [f"notification_defaults.{key}" for key, value in nested.items() if value is None]
    if nulls:
        raise Invalid(
            "invalid body", details=[{"loc": key.split("."), "msg": "may not be null", "type": "null"} for key in nulls]
        )
    merged = current.model_dump()
    for key, value in given.items():
        if key == "notification_defaults":
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    updated = ProjectSettings.model_validate(merged)
    changed = [key for key in ProjectSettings.model_fields if getattr(updated, key) != getattr(current, key)]
    return updated, changed


def initial_preferences(settings: ProjectSettings) -> dict[str, Any]:
    """A new member's per-project workspace, started from the project's defaults."""
    return {
        "notifications": settings.notification_defaults.model_dump(),
        "conflict_sensitivity": settings.conflict_sensitivity,
    }
