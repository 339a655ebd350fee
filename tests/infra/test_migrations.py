"""Migrations go up to head and back to base on both databases, and agree with the models."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect
from sqlmodel import SQLModel

import backend.store.models  # noqa: F401  (registers the tables)
from backend.store.db import make_engine
from backend.store.migrate import alembic_config, current_async, downgrade_async, render_item, upgrade_async


@pytest.fixture(params=["sqlite", "postgres"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    return str(request.getfixturevalue("empty_postgres_url"))


def head() -> str:
    revision = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert revision is not None
    return revision


async def table_names(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()


async def schema_diff(url: str) -> list[Any]:
    engine = make_engine(url)

    def compare(connection: Connection) -> list[Any]:
        opts = {"compare_type": True, "render_item": render_item}
        return list(compare_metadata(MigrationContext.configure(connection, opts=opts), SQLModel.metadata))

    try:
        async with engine.connect() as conn:
            return await conn.run_sync(compare)
    finally:
        await engine.dispose()


async def test_upgrade_to_head_and_down_to_base(empty_url: str) -> None:
    assert await current_async(empty_url) is None
    await upgrade_async(empty_url)
    assert await current_async(empty_url) == head()
    assert {t.name for t in SQLModel.metadata.sorted_tables} <= await table_names(empty_url)

    await downgrade_async(empty_url)
    assert await current_async(empty_url) is None
    assert await table_names(empty_url) <= {"alembic_version"}

    await upgrade_async(empty_url)  # and up again: the downgrade left nothing behind that gets in the way
    assert await current_async(empty_url) == head()


async def test_models_and_migrations_agree(empty_url: str) -> None:
    await upgrade_async(empty_url)
    diff = await schema_diff(empty_url)
    assert diff == [], (
        "backend/store/models.py and the migrations differ; write a migration with "
        "`make migration m='what changed'` (or `make migration-regenerate` before the first release)"
    )


async def test_an_empty_database_differs_from_the_models(empty_url: str) -> None:
    """The agreement test above can fail: without the migrations, every table is missing."""
    diff = await schema_diff(empty_url)
    added = {entry[1].name for entry in diff if entry[0] == "add_table"}
    assert added == {t.name for t in SQLModel.metadata.sorted_tables}
