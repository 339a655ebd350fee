"""The ``tandem`` command line: one entry point with a subcommand per component."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence

from pydantic import ValidationError


def _load_settings(**overrides: object) -> object:
    from backend.settings import Settings

    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})  # type: ignore[arg-type]
    except ValidationError as err:
        lines = [f"  {'.'.join(str(p) for p in e['loc']) or 'settings'}: {e['msg']}" for e in err.errors()]
        raise SystemExit("tandem: invalid configuration\n" + "\n".join(lines)) from err


def cmd_server(args: argparse.Namespace) -> int:
    from aiohttp import web

    from backend.app import create_app
    from backend.settings import Settings
    from tandem import logs

    settings = _load_settings(host=args.host, port=args.port)
    assert isinstance(settings, Settings)
    logs.configure(settings.log_level, settings.log_format)
    app = create_app(settings)
    where = settings.effective_public_url
    print(
        f"Tandem is starting on http://{settings.host}:{settings.port} "
        f"({'embedded: SQLite in ' + str(settings.data_dir) if settings.embedded else 'scale-out'}).\n"
        f"  API docs:  {where}/api/docs\n  Health:    {where}/healthz",
        file=sys.stderr,
        flush=True,
    )
    web.run_app(app, host=settings.host, port=settings.port, print=None, access_log=None, shutdown_timeout=5)
    return 0


def cmd_db(args: argparse.Namespace) -> int:
    from backend.settings import Settings
    from backend.store import migrate

    settings = _load_settings()
    assert isinstance(settings, Settings)
    url = settings.effective_database_url
    if url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    if args.action == "upgrade":
        asyncio.run(migrate.upgrade_async(url, args.revision or "head"))
    elif args.action == "downgrade":
        asyncio.run(migrate.downgrade_async(url, args.revision or "base"))
    current = asyncio.run(migrate.current_async(url))
    print(f"database at revision {current or '(empty)'}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tandem", description="Know when a teammate is changing the same code.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    server = sub.add_parser("server", help="run the backend (embedded default: SQLite, in-process bus)")
    server.add_argument("--host", help="address to listen on (TANDEM_HOST, default 127.0.0.1)")
    server.add_argument("--port", type=int, help="port to listen on (TANDEM_PORT, default 8400)")
    server.set_defaults(func=cmd_server)

    db = sub.add_parser("db", help="database schema migrations")
    db.add_argument("action", choices=["upgrade", "downgrade", "current"])
    db.add_argument("revision", nargs="?", help="target revision (default: head for upgrade, base for downgrade)")
    db.set_defaults(func=cmd_db)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    result: int = args.func(args)
    return result
