"""A user's preferences: one validated document with defaults for every group and field."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Severity = Literal["error", "warning", "information", "hint", "off"]
"""How the editor shows a finding; the first four are LSP diagnostic severities."""


class _Group(BaseModel):
    # Unknown keys are refused so a typo in a client does not silently do nothing.
    model_config = ConfigDict(extra="forbid", frozen=True)


class NotificationPreferences(_Group):
    email: bool = Field(default=True, description="Email me about invitations and conflicts I miss.")
    desktop: bool = Field(default=True, description="Show desktop notifications from the editor extension.")
    digest: Literal["never", "daily", "weekly"] = Field(default="daily", description="Summary email cadence.")


class EditorSeverities(_Group):
    conflict: Severity = Field(default="warning", description="A teammate changed the same lines.")
    overlap: Severity = Field(default="information", description="A teammate changed the same function or block.")
    nearby: Severity = Field(default="hint", description="A teammate is working close by in the same file.")


class EditorPreferences(_Group):
    show_nearby: bool = Field(default=True, description="Show teammates working near your cursor.")
    severity: EditorSeverities = Field(default_factory=EditorSeverities)


class PrivacyPreferences(_Group):
    share_diffs: bool = Field(
        default=False, description="Let teammates see the changed lines, not only where you are working."
    )


class Preferences(_Group):
    """The whole document; missing groups and fields take their defaults."""

    notifications: NotificationPreferences = Field(default_factory=NotificationPreferences)
    editor: EditorPreferences = Field(default_factory=EditorPreferences)
    privacy: PrivacyPreferences = Field(default_factory=PrivacyPreferences)


def load_preferences(stored: dict[str, Any]) -> Preferences:
    """Read a stored document, filling in defaults for what it does not say."""
    return Preferences.model_validate(stored)
