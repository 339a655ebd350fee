"""The ``tandem`` command line: one entry point with a subcommand per component."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

if TYPE_CHECKING:
    from backend.settings import Settings

# Values never echoed back in an error message: they may carry passwords.
_SECRET_FIELDS = frozenset({"secret_key", "database_url", "redis_url"})
GC_YOUNG_THRESHOLD = 10_000
"""Allocations between young-generation collections (CPython's default, 700, runs one every few messages)."""


class CliError(SystemExit):
    """A problem the user can fix, said in one readable message (no traceback)."""

    def __init__(self, message: str) -> None:
        super().__init__(f"tandem: {message}")


def describe_errors(err: ValidationError) -> str:
    """One line per invalid setting, named as the user set it (environment variable or config file key)."""
    lines = []
    for error in err.errors():
        loc = [str(part) for part in error["loc"]]
        if error["type"] == "extra_forbidden":
            lines.append(f"  `{'.'.join(loc)}` in the config file: not a Tandem setting")
            continue
        name = f"TANDEM_{loc[0].upper()} (or `{'.'.join(loc)}` in the config file)" if loc else "settings"
        message = error["msg"].removeprefix("Value error, ")
        if loc and loc[0] not in _SECRET_FIELDS and "input" in error and not isinstance(error["input"], dict):
            message += f" (got {error['input']!r})"
        lines.append(f"  {name}: {message}")
    return "\n".join(lines)


def load_settings(**overrides: Any) -> Settings:
    """Read the settings, or exit with a message saying which setting is wrong and why."""
    from pydantic_settings import SettingsError

    from backend.settings import Settings

    config_file = os.environ.get("TANDEM_CONFIG_FILE")
    if config_file:
        try:
            tomllib.loads(Path(config_file).read_text())
        except OSError as err:
            raise CliError(f"cannot read TANDEM_CONFIG_FILE={config_file}: {err.strerror}") from err
        except tomllib.TOMLDecodeError as err:
            raise CliError(f"TANDEM_CONFIG_FILE={config_file} is not valid TOML: {err}") from err
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as err:
        raise CliError("invalid configuration\n" + describe_errors(err)) from err
    except SettingsError as err:
        raise CliError(f"invalid configuration: {err}") from err


def _schema_behind(settings: Settings) -> str | None:
    """In scale-out mode the schema is migrated by ``tandem db upgrade``; say so if it was not."""
    from sqlalchemy.exc import SQLAlchemyError

    from backend.store import migrate

    url = settings.effective_database_url
    try:
        current = asyncio.run(migrate.current_async(url))
    except (OSError, ConnectionError, SQLAlchemyError) as err:
        # The database may come up after us; /readyz reports it meanwhile.
        logging.getLogger("tandem").warning("database not reachable yet (%s); /readyz says when it is", err)
        return None
    head = migrate.head_revision()
    if current != head:
        return f"the database is at revision {current or '(empty)'}, not {head}: run `tandem db upgrade` first"
    return None


def _banner(settings: Settings) -> str:
    where = settings.effective_public_url
    mode = (
        f"embedded mode: SQLite, secret key and data in {settings.data_dir}"
        if settings.embedded
        else "scale-out mode: PostgreSQL and Redis"
    )
    return (
        f"Tandem backend is running on http://{settings.host}:{settings.port} ({mode}).\n"
        f"  API docs:  {where}/api/docs   (try it: register an account with POST /api/auth/register)\n"
        f"  Health:    {where}/healthz and {where}/readyz\n"
        "  Next:      create an account there; docs/architecture.md shows how agents and editors connect.\n"
        "Ctrl+C stops it."
    )


async def _settle_garbage_collector(_app: object) -> None:
    """Once started: what start-up allocated (modules, models, the app) is never garbage, so the collector
    stops walking it, and young collections run less often. Both shorten the pauses a keystroke can meet."""
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])


def cmd_server(args: argparse.Namespace) -> int:
    settings = load_settings(host=args.host, port=args.port)  # first: a bad setting is reported before anything

    from aiohttp import web
    from sqlalchemy.exc import SQLAlchemyError

    from backend.app import create_app
    from tandem import logs
    from tandem.loops import LoopUnavailable, new_event_loop

    logs.configure(settings.log_level, settings.log_format)
    if not settings.embedded and (problem := _schema_behind(settings)):
        raise CliError(problem)
    app = create_app(settings)
    app.on_startup.append(_settle_garbage_collector)
    try:
        loop = new_event_loop(settings.event_loop)
    except LoopUnavailable as err:
        raise CliError(str(err)) from err
    try:
        web.run_app(
            app,
            loop=loop,
            backlog=settings.listen_backlog,
            host=settings.host,
            port=settings.port,
            print=lambda _: print(_banner(settings), file=sys.stderr, flush=True),
            access_log=None,
            shutdown_timeout=5,
            handle_signals=True,
        )
    except OSError as err:
        raise CliError(f"cannot start on {settings.host}:{settings.port}: {err.strerror or err}") from err
    except SQLAlchemyError as err:
        raise CliError(f"cannot open the database: {err}") from err
    return 0


def cmd_db(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from backend.store import migrate

    settings = load_settings()
    url = settings.effective_database_url
    if url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        if args.action == "upgrade":
            asyncio.run(migrate.upgrade_async(url, args.revision or "head"))
        elif args.action == "downgrade":
            asyncio.run(migrate.downgrade_async(url, args.revision or "base"))
        current = asyncio.run(migrate.current_async(url))
    except (OSError, ConnectionError, SQLAlchemyError) as err:
        raise CliError(f"database {args.action} failed: {err}") from err
    head = migrate.head_revision()
    state = "head" if current == head else f"head is {head}"
    print(f"database at revision {current or '(empty)'} ({state})")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tandem", description="Know when a teammate is changing the same code.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    server = sub.add_parser("server", help="run the backend (embedded default: SQLite, in-process bus)")
    server.add_argument("--host", help="address to listen on (TANDEM_HOST, default 127.0.0.1)")
    server.add_argument("--port", type=int, help="port to listen on (TANDEM_PORT, default 8400)")
    server.set_defaults(func=cmd_server)

    db = sub.add_parser("db", help="database schema migrations (TANDEM_DATABASE_URL, default SQLite in the data dir)")
    db.add_argument("action", choices=["upgrade", "downgrade", "current"])
    db.add_argument("revision", nargs="?", help="target revision (default: head for upgrade, base for downgrade)")
    db.set_defaults(func=cmd_db)
    _add_agent_commands(sub)
    _add_lsp_command(sub)
    return parser


# -- the agent's commands (implemented in agent.commands, imported only when used) ---------------------------


def _agent_command(name: str) -> Any:
    def run(args: argparse.Namespace) -> int:
        from agent import commands

        result: int = getattr(commands, name)(args)
        return result

    return run


def _add_agent_commands(sub: Any) -> None:
    login = sub.add_parser("login", help="sign in; the agent's token is kept in your config dir (not in the repo)")
    login.add_argument("--server", help="the Tandem server's URL (default: the last one, or TANDEM_SERVER)")
    login.add_argument("--token", help="use this personal access token (agent scope) instead of a password")
    login.add_argument("--email", help="your account's email (asked when missing)")
    login.set_defaults(func=_agent_command("cmd_login"))

    agent = sub.add_parser("agent", help="the per-user daemon that watches working copies (or: stop, pause, resume)")
    agent.add_argument(
        "paths",
        nargs="*",
        metavar="stop|pause|resume|PATH",
        help="stop the daemon, pause reporting (offline mode), resume it; or working copies to watch from the start",
    )
    agent.add_argument("--once", metavar="PATH", help="report PATH's working copy once, print the findings, exit")
    agent.add_argument("--json", action="store_true", help="with --once: print JSON")
    agent.add_argument("--log-level", default="INFO", help="the daemon's log level (log: agent.log in the runtime dir)")
    agent.set_defaults(func=_agent_command("cmd_agent"))

    status = sub.add_parser("status", help="connection, project, teammates online and findings (starts the agent)")
    status.add_argument("path", nargs="?", help="a working copy (watched from now on)")
    status.add_argument("--json", action="store_true", help="print JSON")
    status.add_argument("--wait", type=float, default=5.0, help="seconds a just-started agent gets to connect")
    status.set_defaults(func=_agent_command("cmd_status"))

    init = sub.add_parser("init", help="link a working copy to a project (writes .tandem.toml)")
    init.add_argument("path", nargs="?", help="the working copy (default: the current folder)")
    init.add_argument("--project", help="the project's id (default: the only one that fits)")
    init.set_defaults(func=_agent_command("cmd_init"))


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    result: int = args.func(args)
    return result


# -- the language server (lsp.main, imported only when used) ---------------------------------------------------


def cmd_lsp(args: argparse.Namespace) -> int:
    from lsp.main import run

    run(log_level=args.log_level)
    return 0


def _add_lsp_command(sub: Any) -> None:
    lsp = sub.add_parser(
        "lsp", help="the language server (LSP over stdio) that shows teammates' overlapping edits in any editor"
    )
    lsp.add_argument("--stdio", action="store_true", help="speak LSP over stdin/stdout (the default and only mode)")
    lsp.add_argument("--log-level", default="INFO", help="log level of the messages on stderr (the editor's log)")
    lsp.set_defaults(func=cmd_lsp)
