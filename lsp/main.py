"""``tandem lsp``: logging to stderr (the editor's output panel), then LSP over stdio until the editor exits."""

from __future__ import annotations

import logging
import sys

from lsp.server import create_server


def run(*, log_level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    logging.getLogger("lsp").setLevel(log_level.upper())
    create_server().start_io()
