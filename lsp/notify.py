"""What the server says unasked: ``tandem/presence``, a progress fallback, new conflicts and mentions."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.exceptions import JsonRpcException

from lsp.diagnostics import Flag, message
from lsp.text import display_name
from tandem.protocol import MentionNotification, PresenceParams

if TYPE_CHECKING:
    from lsp.server import TandemServer

log = logging.getLogger(__name__)

PRESENCE_METHOD = "tandem/presence"
PRESENCE_DELAY = 0.1
"""Bursts of changes (a snapshot's findings, several presence events) become one notification."""


class Notifier:
    def __init__(self, server: TandemServer) -> None:
        self.server = server
        self.last: PresenceParams | None = None
        self._summary = ""
        self._handle: asyncio.TimerHandle | None = None
        self._announced: set[str] = set()
        self._tokens = itertools.count(1)

    # -- presence ---------------------------------------------------------------------------------------------

    def presence_soon(self) -> None:
        if self._handle is None:
            self._handle = asyncio.get_running_loop().call_later(PRESENCE_DELAY, self.presence_now)

    def presence_now(self) -> None:
        """Send ``tandem/presence`` if it changed (and always the first time)."""
        self._handle = None
        params = self.server.presence()
        if params == self.last:
            return
        self.last = params
        self.server.protocol.notify(PRESENCE_METHOD, params.model_dump(mode="json"))
        if params.summary != self._summary:
            self._summary = params.summary
            if self._progress_wanted():
                self.server.spawn(self._progress(f"Tandem: {params.summary}"))

    def _progress_wanted(self) -> bool:
        window = self.server.client_capabilities.window
        return self.server.settings.status_progress and bool(window and window.work_done_progress)

    async def _progress(self, text: str) -> None:
        """A brief work-done progress (begin, end) carrying the summary: status bars and fidgets show it."""
        token = f"tandem-presence-{next(self._tokens)}"
        progress = self.server.work_done_progress
        try:
            await progress.create_async(token)
        except JsonRpcException as err:  # the client refused: nothing to show
            log.info("no progress shown: %s", err)
            return
        progress.begin(token, types.WorkDoneProgressBegin(title="Tandem", message=text, cancellable=False))
        progress.end(token, types.WorkDoneProgressEnd(message=text))

    # -- messages ---------------------------------------------------------------------------------------------

    def conflicts(self, shown: Sequence[Flag], *, announce: bool) -> None:
        """A conflict that newly appears in an open file is worth a message (once per finding)."""
        for flag in shown:
            if flag.severity != "conflict" or flag.finding.id in self._announced:
                continue
            self._announced.add(flag.finding.id)
            if announce and self.server.settings.notify_conflicts:
                text = message(flag, self.server.names.members, flag.finding.updated_at)
                self._show(types.MessageType.Warning, f"Tandem: {text} ({flag.finding.path})")

    def mention(self, note: MentionNotification) -> None:
        name = note.from_name or display_name(note.from_user_id, self.server.names.members)
        self._show(types.MessageType.Info, f"Tandem — {name}: {note.text}")

    def _show(self, kind: types.MessageType, text: str) -> None:
        self.server.window_show_message(types.ShowMessageParams(type=kind, message=text))
