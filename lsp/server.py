"""The Tandem language server: its state, how agent news reaches the editor, and ``create_server``."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from agent.config import runtime_dir
from lsp.agent_link import AgentLink, AgentUnavailable
from lsp.diagnostics import Flag, View, diagnostics, flags
from lsp.documents import Document, Documents
from lsp.names import Names
from lsp.notify import Notifier
from lsp.presence import presence_params, status_response
from lsp.state import AgentState, Changed
from tandem.protocol import LocalFinding, LspSettings, MembersResult, PresenceParams, StatusResponse, StatusResult

log = logging.getLogger(__name__)

VERSION = "0.1.0"
TICK = 60.0
"""How often "2 min ago" in the diagnostics is brought up to date."""
UNTRACKED = frozenset({"not_a_repository", "not_found", "invalid"})
"""Agent errors meaning "this file is in no working copy": the document is not sent again."""


class TandemServer(LanguageServer):
    """Holds one editor session's state; handlers (in ``lsp.features``) parse, call these methods, return."""

    def __init__(self, runtime: Path | None = None) -> None:
        super().__init__("tandem", VERSION, text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.settings = LspSettings()
        self.state = AgentState()
        self.documents = Documents()
        self.names = Names()
        self.link = AgentLink(
            runtime or runtime_dir(),
            auto_start=lambda: self.settings.agent_auto_start,
            on_status=self.on_status,
            on_event=self.on_event,
            on_lost=self.on_lost,
        )
        self.notifier = Notifier(self)
        self._published: dict[str, list[types.Diagnostic]] = {}
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._tasks: set[asyncio.Task[Any]] = set()

    def report_server_error(self, error: Exception, source: Any) -> None:
        """Log, never pop up: Tandem stays quiet in the editor whatever goes wrong."""
        log.error("language server error (%s): %s", getattr(source, "__name__", source), error)

    def spawn(self, work: Coroutine[Any, Any, Any]) -> None:
        """Run in the background, kept referenced until done; failures are logged."""
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (err := task.exception()) is not None:
            log.error("background work failed", exc_info=err)

    # -- lifecycle ----------------------------------------------------------------------------------------

    def start(self) -> None:
        """After ``initialized``: connect to the agent and keep the "min ago" texts current."""
        self.spawn(self.link.run())
        self.spawn(self._tick())
        self.notifier.presence_now()

    async def stop(self) -> None:
        """On ``shutdown``: give the agent its buffers back (the files on disk count again), disconnect."""
        for doc in self.documents:
            if doc.tracked:
                await self._quietly("buffer.close", path=doc.file)
        await self.link.stop()
        for handle in self._timers.values():
            handle.cancel()

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(TICK)
            for doc in self.documents:
                if self._published.get(doc.uri):
                    self.publish(doc)

    # -- news from the agent ----------------------------------------------------------------------------------

    def on_status(self, status: StatusResult) -> None:
        self.refresh(self.state.load(status), announce=False)
        for doc in self.documents:  # a (re)started agent has none of our buffers
            if doc.tracked:
                self.spawn(self.send_open(doc))

    def on_event(self, event: dict[str, Any]) -> None:
        changed = self.state.apply(event)
        self.refresh(changed, announce=True)
        if changed.mention is not None:
            self.notifier.mention(changed.mention)

    def on_lost(self) -> None:
        self.refresh(self.state.lost(), announce=False)

    def refresh(self, changed: Changed, *, announce: bool) -> None:
        for file in changed.files:
            for doc in self.documents.for_file(file):
                found = self.state.findings_for(file)
                if found and all(f.version is not None for f in found):
                    doc.forget_until(min(f.version or 0 for f in found))
                self.notifier.conflicts(self.publish(doc), announce=announce)
        if changed.presence:
            self.notifier.presence_soon()
        self._ask_names()

    # -- diagnostics ------------------------------------------------------------------------------------------

    def flags_for(self, doc: Document) -> list[Flag]:
        return flags(self.state.findings_for(doc.file), self.settings.severity, doc.changes_since)

    def publish(self, doc: Document) -> list[Flag]:
        """Send the document's diagnostics if they changed; returns the flags shown."""
        found = self.flags_for(doc)
        text = self.workspace.get_text_document(doc.uri)
        lines, codec = text.lines, text.position_codec

        def line_length(index: int) -> int:
            return codec.client_num_units(lines[index].rstrip("\r\n")) if index < len(lines) else 0

        view = View(doc.uri, len(lines), line_length, self.names.members, self.state.server, time.time())
        shown = diagnostics(found, view, self.settings.severity)
        if shown != self._published.get(doc.uri):
            self._published[doc.uri] = shown
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=doc.uri, diagnostics=shown, version=doc.version)
            )
        return found

    def republish_all(self) -> None:
        for doc in self.documents:
            self.publish(doc)
        self.notifier.presence_soon()

    def clear(self, uri: str) -> None:
        if self._published.pop(uri, None):
            self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    # -- buffers to the agent ---------------------------------------------------------------------------------

    def opened(self, uri: str, file: str, version: int) -> None:
        doc = self.documents.open(uri, file, version)
        self.spawn(self.send_open(doc))
        self.publish(doc)
        self.notifier.presence_soon()

    def changed(self, uri: str, version: int, changes: list[types.TextDocumentContentChangeEvent]) -> None:
        doc = self.documents.get(uri)
        if doc is None:
            return
        doc.record(version, changes)
        self.documents.last_edited = doc.file
        self.publish(doc)  # the ranges move with the text until the agent's fresh ones arrive
        if not doc.tracked:
            return
        previous = self._timers.pop(uri, None)
        if previous is not None:
            previous.cancel()
        delay = self.settings.debounce_ms / 1000
        if delay <= 0:
            self.spawn(self.send_change(uri))
        else:
            loop = asyncio.get_running_loop()
            self._timers[uri] = loop.call_later(delay, lambda: self.spawn(self.send_change(uri)))

    def closed(self, uri: str) -> None:
        timer = self._timers.pop(uri, None)
        if timer is not None:
            timer.cancel()
        doc = self.documents.close(uri)
        self.clear(uri)
        if doc is not None and doc.tracked and not self.documents.for_file(doc.file):
            self.spawn(self._quietly("buffer.close", path=doc.file))
        self.notifier.presence_soon()

    def focus(self, uri: str, line: int) -> None:
        doc = self.documents.get(uri)
        if doc is not None and doc.tracked:
            doc.focus_line = line
            self.documents.last_edited = doc.file
            self.spawn(self._quietly("focus", path=doc.file, line=line + 1))
            self.notifier.presence_soon()

    async def send_open(self, doc: Document) -> None:
        text = self.workspace.get_text_document(doc.uri).source
        await self._send_buffer(doc, "buffer.open", text, doc.version)

    async def send_change(self, uri: str) -> None:
        self._timers.pop(uri, None)
        doc = self.documents.get(uri)
        if doc is None or not doc.tracked:
            return
        text = self.workspace.get_text_document(uri).source
        await self._send_buffer(doc, "buffer.change", text, doc.version)
        if doc.focus_line is not None:
            await self._quietly("focus", path=doc.file, line=doc.focus_line + 1)

    async def _send_buffer(self, doc: Document, kind: str, text: str, version: int) -> None:
        try:
            await self.link.call(kind, path=doc.file, text=text, version=version)
        except AgentUnavailable as err:
            if err.code in UNTRACKED:
                doc.tracked = False  # not in a git working copy: nothing to tell anyone
                log.info("%s is not in a working copy: %s", doc.file, err.message)
            else:
                log.info("%s not sent: %s", kind, err.message)

    async def _quietly(self, kind: str, **fields: Any) -> dict[str, Any] | None:
        try:
            return await self.link.call(kind, **fields)
        except AgentUnavailable as err:
            log.info("%s not sent: %s", kind, err.message)
            return None

    # -- names ------------------------------------------------------------------------------------------------

    def _ask_names(self) -> None:
        wanted: dict[str, set[str]] = {}
        for found in self.state.findings.values():
            for finding in found:
                wanted.setdefault(finding.project_id, set()).add(finding.other.user_id)
        for project_id, entries in self.state.presence.items():
            wanted.setdefault(project_id, set()).update(p.user_id for p in entries)
        for project_id, users in wanted.items():
            if self.link.connected.is_set() and self.names.wanted(project_id, users):
                self.spawn(self._learn_names(project_id))

    async def _learn_names(self, project_id: str) -> None:
        result = await self._quietly("members", project_id=project_id)
        if result is not None and self.names.learn(MembersResult.model_validate(result)):
            self.republish_all()

    # -- queries for the features -----------------------------------------------------------------------------

    def finding(self, finding_id: str) -> LocalFinding | None:
        for found in self.state.findings.values():
            for finding in found:
                if finding.id == finding_id:
                    return finding
        return None

    def presence(self) -> PresenceParams:
        return presence_params(
            self.state,
            focus_file=self.documents.last_edited,
            open_files=self.documents.files(),
            names=self.names.members,
            severities=self.settings.severity,
        )

    def status(self) -> StatusResponse:
        return status_response(self.state, self.presence(), str(self.link.socket))

    def apply_settings(self, settings: LspSettings) -> None:
        allow_start = settings.agent_auto_start and not self.settings.agent_auto_start
        self.settings = settings
        self.republish_all()
        if allow_start:
            self.link.wake()


def create_server(runtime: Path | None = None) -> TandemServer:
    """A server with every feature registered; nothing runs until ``start_io``."""
    from lsp.features import register

    server = TandemServer(runtime)
    register(server)
    return server
