"""The LSP handlers: each parses its params, calls the server or a pure module, and returns."""

from __future__ import annotations

import time
from typing import Any

from lsprotocol import types

from lsp import actions, commands, settings
from lsp.diagnostics import at_line, in_range
from lsp.documents import file_of
from lsp.hover import hover_markdown
from lsp.server import TandemServer

STATUS_METHOD = "tandem/status"
FOCUS_METHOD = "tandem/focus"


def initialize(ls: TandemServer, params: types.InitializeParams) -> None:
    ls.settings = settings.parse(params.initialization_options)


def initialized(ls: TandemServer, _params: types.InitializedParams) -> None:
    ls.start()


async def shutdown(ls: TandemServer, *_args: Any) -> None:
    await ls.stop()


def did_open(ls: TandemServer, params: types.DidOpenTextDocumentParams) -> None:
    file = file_of(params.text_document.uri)
    if file is not None:
        ls.opened(params.text_document.uri, file, params.text_document.version)


def did_change(ls: TandemServer, params: types.DidChangeTextDocumentParams) -> None:
    ls.changed(params.text_document.uri, params.text_document.version, list(params.content_changes))


def did_close(ls: TandemServer, params: types.DidCloseTextDocumentParams) -> None:
    ls.closed(params.text_document.uri)


async def did_change_configuration(ls: TandemServer, params: types.DidChangeConfigurationParams) -> None:
    raw = params.settings
    if not (isinstance(raw, dict) and isinstance(raw.get("tandem"), dict)):
        workspace = ls.client_capabilities.workspace
        if workspace is None or not workspace.configuration:
            return
        items = [types.ConfigurationItem(section="tandem")]
        (raw,) = await ls.workspace_configuration_async(types.ConfigurationParams(items=items))
    ls.apply_settings(settings.parse(raw, ls.settings))


def hover(ls: TandemServer, params: types.HoverParams) -> types.Hover | None:
    doc = ls.documents.get(params.text_document.uri)
    if doc is None:
        return None
    found = at_line(ls.flags_for(doc), params.position.line)
    text = hover_markdown(found, ls.names.members, time.time(), ls.state.server)
    if text is None:
        return None
    return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text))


def code_action(ls: TandemServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
    doc = ls.documents.get(params.text_document.uri)
    if doc is None:
        return None
    found = in_range(ls.flags_for(doc), params.range.start.line, params.range.end.line)
    return actions.code_actions(found, ls.names.members, params.context.diagnostics) or None


def status(ls: TandemServer, *_args: Any) -> dict[str, Any]:
    return ls.status().model_dump(mode="json")


def focus(ls: TandemServer, params: Any) -> None:
    uri, line = getattr(params, "uri", None), getattr(params, "line", None)
    if isinstance(uri, str) and isinstance(line, int) and line >= 0:
        ls.focus(uri, line)


def register(server: TandemServer) -> None:
    server.feature(types.INITIALIZE)(initialize)
    server.feature(types.INITIALIZED)(initialized)
    server.feature(types.SHUTDOWN)(shutdown)
    server.feature(types.TEXT_DOCUMENT_DID_OPEN)(did_open)
    server.feature(types.TEXT_DOCUMENT_DID_CHANGE)(did_change)
    server.feature(types.TEXT_DOCUMENT_DID_CLOSE)(did_close)
    server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)(did_change_configuration)
    server.feature(types.TEXT_DOCUMENT_HOVER)(hover)
    server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
    )(code_action)
    server.feature(STATUS_METHOD)(status)
    server.feature(FOCUS_METHOD)(focus)
    commands.register(server)
