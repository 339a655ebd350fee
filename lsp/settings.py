"""The language server's settings from ``initializationOptions`` or ``workspace/didChangeConfiguration``."""

from __future__ import annotations

import logging
from typing import Any

from pydantic import ValidationError

from tandem.protocol import LspSettings

log = logging.getLogger(__name__)


def section(raw: Any) -> dict[str, Any]:
    """The Tandem part of what the editor sent: ``{"tandem": {...}}`` (settings) or the options themselves."""
    if not isinstance(raw, dict):
        return {}
    inner = raw.get("tandem")
    return inner if isinstance(inner, dict) else raw


def parse(raw: Any, current: LspSettings | None = None) -> LspSettings:
    """Merge what the editor sent over ``current``; a wrong value is logged and that key keeps its value."""
    base = (current or LspSettings()).model_dump(by_alias=True)
    given = section(raw)
    severity = given.get("severity")
    if isinstance(severity, dict):
        given = {**given, "severity": {**base["severity"], **severity}}
    merged = {**base, **given}
    while True:
        try:
            return LspSettings.model_validate(merged)
        except ValidationError as err:
            bad = {str(e["loc"][0]) for e in err.errors() if e["loc"]}
            log.warning("ignoring invalid Tandem settings %s: %s", sorted(bad), err.errors()[0]["msg"])
            if not bad or not bad & set(merged):
                return current or LspSettings()
            for key in bad:
                if key in merged and key in base and merged[key] != base[key]:
                    merged[key] = base[key]
                else:
                    merged.pop(key, None)
