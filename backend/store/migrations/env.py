"""Alembic environment: migrations run on a connection handed over by backend.store.migrate."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import backend.store.models  # noqa: F401  (registers the tables on SQLModel.metadata)
from backend.store.migrate import render_item

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through `tandem db upgrade`, which provides the connection")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things in place; batch mode rebuilds tables instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=render_item,
        # Set by ``backend.store.migrate`` when writing a revision (it skips empty ones).
        process_revision_directives=config.attributes.get("process_revision_directives"),
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported")
run_migrations_online()
