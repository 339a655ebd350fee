"""Schema migrations with Alembic, run programmatically: `tandem db`, embedded start-up, `make migration`."""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlmodel.sql.sqltypes import AutoString

from backend.store.db import make_engine

MIGRATIONS = Path(__file__).parent / "migrations"


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Write SQLModel's AutoString as plain ``sa.String`` so migrations do not import sqlmodel."""
    if type_ == "type" and isinstance(obj, AutoString):
        return f"sa.String(length={obj.length})" if obj.length else "sa.String()"
    return False


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # ``%`` is ConfigParser's interpolation character; URLs may contain it (encoded passwords).
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    # Revisions are numbered 0001, 0002, ... and named after their message.
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    return config


def head_revision() -> str | None:
    """The newest revision the code knows (what ``tandem db upgrade`` goes to)."""
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


async def _run(url: str, action: str, revision: str) -> None:
    engine = make_engine(url)
    config = alembic_config(url)

    def run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        getattr(command, action)(config, revision)

    try:
        async with engine.begin() as conn:
            await conn.run_sync(run)
    finally:
        await engine.dispose()


async def upgrade_async(url: str, revision: str = "head") -> None:
    await _run(url, "upgrade", revision)


async def downgrade_async(url: str, revision: str = "base") -> None:
    await _run(url, "downgrade", revision)


async def current_async(url: str) -> str | None:
    """The revision the database is at, or None for an empty database."""
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return await conn.run_sync(lambda c: MigrationContext.configure(c).get_current_revision())
    finally:
        await engine.dispose()


# -- writing migrations (developers, from a checkout) ---------------------------------------------------------

VERSIONS = MIGRATIONS / "versions"


class NothingToMigrate(RuntimeError):
    """The models and the migrations already agree."""


def _revision_files() -> list[Path]:
    return sorted(VERSIONS.glob("[0-9][0-9][0-9][0-9]_*.py"))


def _skip_empty(context: Any, revision: Any, directives: list[Any]) -> None:
    if directives[0].upgrade_ops.is_empty():
        directives[:] = []
        raise NothingToMigrate("the models and the migrations agree: no migration written")


async def _autogenerate(message: str, rev_id: str) -> Path:
    """Upgrade a scratch SQLite database to head, then write what the models add to it as ``rev_id``."""
    with tempfile.TemporaryDirectory(prefix="tandem-migration-") as scratch:
        url = f"sqlite+aiosqlite:///{scratch}/schema.db"
        await upgrade_async(url)
        engine = make_engine(url)
        config = alembic_config(url)

        def run(connection: Connection) -> None:
            config.attributes["connection"] = connection
            config.attributes["process_revision_directives"] = _skip_empty
            command.revision(config, message=message, autogenerate=True, rev_id=rev_id)

        try:
            async with engine.begin() as conn:
                await conn.run_sync(run)
        finally:
            await engine.dispose()
    return next(p for p in _revision_files() if p.name.startswith(f"{rev_id}_"))


def new_revision(message: str) -> Path:
    """Write the next numbered migration: the difference between the models and the current head."""
    files = _revision_files()
    rev_id = f"{int(files[-1].name[:4]) + 1 if files else 1:04d}"
    return asyncio.run(_autogenerate(message, rev_id))


def regenerate_initial() -> Path:
    """Rewrite ``0001`` from the models (allowed while nothing is released and 0001 is the only revision)."""
    files = _revision_files()
    if len(files) > 1:
        raise SystemExit("regenerate: there are migrations after 0001; add one with `make migration m=...` instead")
    message, old = "initial schema", ""
    if files:
        old = files[0].read_text()
        message = old.split('"""')[1].strip().splitlines()[0]
        files[0].unlink()
    try:
        return asyncio.run(_autogenerate(message, "0001"))
    except BaseException:
        if files:
            files[0].write_text(old)  # rather than leave no migration at all
        raise


def _tidy(path: Path) -> None:
    """Put a written migration in the repository's style (ruff is a dev dependency)."""
    ruff = [sys.executable, "-m", "ruff"]
    subprocess.run([*ruff, "check", "--quiet", "--fix", "--select", "I,F401,UP", str(path)], check=False)  # noqa: S603
    subprocess.run([*ruff, "format", "--quiet", str(path)], check=False)  # noqa: S603


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m backend.store.migrate new "message"`` or ``... regenerate`` (what ``make migration`` runs)."""
    parser = argparse.ArgumentParser(prog="python -m backend.store.migrate", description="Write schema migrations.")
    sub = parser.add_subparsers(dest="action", required=True)
    new = sub.add_parser("new", help="write the next migration from what changed in backend/store/models.py")
    new.add_argument("message")
    sub.add_parser("regenerate", help="rewrite 0001 from the models (only while nothing is released)")
    args = parser.parse_args(argv)
    try:
        path = new_revision(args.message) if args.action == "new" else regenerate_initial()
    except NothingToMigrate as err:
        print(err)
        return 0
    _tidy(path)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
