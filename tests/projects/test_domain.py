"""Pure domain rules of projects: settings documents, invitation states and tokens, cursors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from backend.domain import invitations, project_settings
from backend.domain.cursors import decode_cursor, encode_cursor
from backend.domain.invitations import Lifecycle, State
from backend.domain.project_settings import ProjectSettings, ProjectSettingsPatch
from backend.errors import Conflict, Forbidden, Invalid

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_settings_defaults() -> None:
    doc = ProjectSettings().model_dump()
    assert doc["default_branch"] == "main"
    assert doc["activity_retention_days"] == 90
    assert doc["conflict_sensitivity"] == "overlap"
    assert set(doc["notification_defaults"]) == {"email", "desktop", "mentions", "digest"}


def test_load_fills_defaults_and_survives_old_documents() -> None:
    assert project_settings.load({}) == ProjectSettings()
    assert project_settings.load({"default_branch": "trunk", "retired_key": 1}).default_branch == "trunk"
    assert project_settings.load({"activity_retention_days": "not a number"}) == ProjectSettings()


def test_merge_replaces_given_keys_and_merges_nested_ones() -> None:
    patch = ProjectSettingsPatch.model_validate({"default_branch": "develop", "notification_defaults": {"email": True}})
    merged, changed = project_settings.merge(ProjectSettings(), patch)
    assert merged.default_branch == "develop"
    assert merged.notification_defaults.email is True
    assert merged.notification_defaults.digest == "daily"  # untouched sibling kept
    assert changed == ["default_branch", "notification_defaults"]


def test_merge_reports_nothing_when_nothing_changes() -> None:
    _, changed = project_settings.merge(
        ProjectSettings(), ProjectSettingsPatch.model_validate({"default_branch": "main"})
    )
    assert changed == []


@pytest.mark.parametrize(
    "body",
    [
        {"colour": "blue"},
        {"notification_defaults": {"sms": True}},
        {"conflict_sensitivity": "everything"},
        {"activity_retention_days": 0},
        {"default_branch": "bad..name"},
        {"default_branch": "-x"},
        {"default_branch": "has space"},
    ],
)
def test_patch_refuses_unknown_keys_and_bad_values(body: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        ProjectSettingsPatch.model_validate(body)


def test_merge_refuses_null() -> None:
    with pytest.raises(Invalid) as caught:
        project_settings.merge(ProjectSettings(), ProjectSettingsPatch.model_validate({"default_branch": None}))
    assert caught.value.details[0]["loc"] == ["default_branch"]


def test_initial_preferences_copy_the_notification_defaults() -> None:
    doc = ProjectSettings.model_validate(
        {"notification_defaults": {"desktop": False}, "conflict_sensitivity": "nearby"}
    )
    prefs = project_settings.initial_preferences(doc)
    assert prefs["notifications"]["desktop"] is False
    assert prefs["conflict_sensitivity"] == "nearby"


@pytest.mark.parametrize(
    ("lifecycle", "expected"),
    [
        (Lifecycle(NOW + timedelta(seconds=1)), State.PENDING),
        (Lifecycle(NOW), State.EXPIRED),
        (Lifecycle(NOW.replace(tzinfo=None) - timedelta(days=1)), State.EXPIRED),  # naive, as SQLite returns
        (Lifecycle(NOW + timedelta(days=1), accepted_at=NOW), State.ACCEPTED),
        (Lifecycle(NOW + timedelta(days=1), declined_at=NOW), State.DECLINED),
        (Lifecycle(NOW + timedelta(days=1), revoked_at=NOW), State.REVOKED),
    ],
)
def test_invitation_state(lifecycle: Lifecycle, expected: State) -> None:
    assert invitations.state(lifecycle, NOW) is expected


def test_answering_needs_the_invited_address_then_a_pending_invitation() -> None:
    pending = Lifecycle(NOW + timedelta(days=1))
    invitations.require_answerable(pending, invited="ann@example.com", answerer=" Ann@Example.COM", now=NOW)
    with pytest.raises(Forbidden) as wrong:
        invitations.require_answerable(pending, invited="ann@example.com", answerer="bob@example.com", now=NOW)
    assert wrong.value.code == "wrong_account"
    used = Lifecycle(NOW + timedelta(days=1), accepted_at=NOW)
    with pytest.raises(Conflict) as again:
        invitations.require_answerable(used, invited="ann@example.com", answerer="ann@example.com", now=NOW)
    assert again.value.code == "invitation_used"


def test_tokens_are_unique_and_only_their_digest_is_kept() -> None:
    first, second = invitations.new_token(), invitations.new_token()
    assert first != second
    assert len(first) >= 43
    digest = invitations.token_digest(first)
    assert len(digest) == 64
    assert first not in digest
    assert invitations.accept_url("https://t.example/", first) == f"https://t.example/invitations/{first}"


def test_cursor_round_trip_and_garbage() -> None:
    assert decode_cursor(encode_cursor("Zebra", "abc"), size=2) == ("Zebra", "abc")
    for garbage in ("!!!", "bm90IGpzb24", encode_cursor("only-one")):
        with pytest.raises(Invalid):
            decode_cursor(garbage, size=2)
