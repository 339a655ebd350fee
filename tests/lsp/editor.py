"""An editor for the tests: a pytest-lsp client driving ``python -m tandem lsp`` over stdio, with waits."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.uris import from_fs_path
from pytest_lsp import LanguageClient, client_capabilities, make_test_lsp_client

WAIT = 20.0


def plain(value: Any) -> Any:
    """pygls hands custom messages' params over as namedtuples: back to dicts and lists."""
    if hasattr(value, "_asdict"):
        return {k: plain(v) for k, v in value._asdict().items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def uri_of(path: Path) -> str:
    uri: str | None = from_fs_path(str(path))
    assert uri is not None
    return uri


class Editor:
    """One person's editor: open, type, and wait until what the server sent satisfies a condition."""

    def __init__(self, client: LanguageClient) -> None:
        self.client = client
        self.presence: list[dict[str, Any]] = []
        self.versions: dict[str, int] = {}
        self.texts: dict[str, list[str]] = {}

        def on_presence(_ls: LanguageClient, params: Any) -> None:
            self.presence.append(plain(params))

        client.feature("tandem/presence")(on_presence)

    # -- driving --------------------------------------------------------------------------------------------

    def open(self, path: Path, text: str | None = None) -> str:
        uri = uri_of(path)
        content = path.read_text() if text is None else text
        self.versions[uri] = 1
        self.texts[uri] = content.splitlines(keepends=True)
        item = types.TextDocumentItem(uri=uri, language_id="python", version=1, text=content)
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=item))
        return uri

    def edit(self, uri: str, start: tuple[int, int], end: tuple[int, int], text: str) -> int:
        """One incremental change (0-based line, character); returns the new version."""
        self.versions[uri] += 1
        change = types.TextDocumentContentChangePartial(
            range=types.Range(
                start=types.Position(line=start[0], character=start[1]),
                end=types.Position(line=end[0], character=end[1]),
            ),
            text=text,
        )
        whole = "".join(self.texts[uri])
        offsets = _offsets(self.texts[uri])
        a, b = offsets[start[0]] + start[1], offsets[end[0]] + end[1]
        self.texts[uri] = (whole[:a] + text + whole[b:]).splitlines(keepends=True)
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
                content_changes=[change],
            )
        )
        return self.versions[uri]

    def replace_line(self, uri: str, line: int, text: str) -> int:
        """Replace line ``line`` (0-based, without its newline) by ``text``."""
        old = self.texts[uri][line].rstrip("\n")
        return self.edit(uri, (line, 0), (line, len(old)), text)

    def close(self, uri: str) -> None:
        identifier = types.TextDocumentIdentifier(uri=uri)
        self.client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=identifier))

    # -- waiting --------------------------------------------------------------------------------------------

    async def diagnostics(
        self, uri: str, condition: Callable[[Sequence[types.Diagnostic]], bool], wait: float = WAIT
    ) -> Sequence[types.Diagnostic]:
        async with asyncio.timeout(wait):
            while not condition(found := self.client.diagnostics.get(uri, [])):
                await self.client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        return found

    async def next_diagnostics(self, uri: str) -> Sequence[types.Diagnostic]:
        """The next diagnostics published for ``uri``."""
        async with asyncio.timeout(WAIT):
            while True:
                params = await self.client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
                if params.uri == uri:
                    return list(params.diagnostics)

    async def presence_until(self, condition: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        async with asyncio.timeout(WAIT):
            while not (self.presence and condition(self.presence[-1])):
                await self.client.wait_for_notification("tandem/presence")
        return self.presence[-1]

    async def message_until(self, condition: Callable[[str], bool]) -> str:
        async with asyncio.timeout(WAIT):
            while True:
                for shown in self.client.messages:
                    if condition(shown.message):
                        return shown.message
                await self.client.wait_for_notification(types.WINDOW_SHOW_MESSAGE)

    # -- requests -------------------------------------------------------------------------------------------

    async def status(self) -> dict[str, Any]:
        result = await self.client.protocol.send_request_async("tandem/status", None)  # type: ignore[no-untyped-call]
        return dict(plain(result))

    async def command(self, name: str, *arguments: Any) -> Any:
        params = types.ExecuteCommandParams(command=name, arguments=list(arguments))
        return plain(await self.client.workspace_execute_command_async(params))

    def configure(self, settings: dict[str, Any]) -> None:
        params = types.DidChangeConfigurationParams(settings={"tandem": settings})
        self.client.workspace_did_change_configuration(params)


def _offsets(lines: list[str]) -> list[int]:
    out, total = [], 0
    for line in [*lines, ""]:
        out.append(total)
        total += len(line)
    return out


async def start_editor(
    runtime: Path,
    config: Path,
    *,
    options: dict[str, Any] | None = None,
    capabilities: str = "visual-studio-code",
    root: Path | None = None,
) -> Editor:
    """``python -m tandem lsp`` for the person whose agent uses ``runtime`` (and whose login is in ``config``)."""
    client = make_test_lsp_client()
    editor = Editor(client)
    env = {**os.environ, "TANDEM_RUNTIME_DIR": str(runtime), "TANDEM_CONFIG_DIR": str(config)}
    await client.start_io(sys.executable, "-m", "tandem", "lsp", env=env)
    params = types.InitializeParams(
        capabilities=client_capabilities(capabilities),
        initialization_options=options or {},
        root_uri=uri_of(root) if root else None,
    )
    await client.initialize_session(params)
    return editor


async def stop_editor(editor: Editor) -> None:
    await editor.client.shutdown_session()
    await editor.client.stop()  # type: ignore[no-untyped-call]
