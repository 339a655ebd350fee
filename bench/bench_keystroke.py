"""Keystroke to teammate's diagnostic: two editors, two `tandem lsp`, two agents, one `tandem server`, all real.

Alice's scripted editor types one character into a line Bob has also changed (unsaved, ``didChange``), then
deletes it: each keystroke opens or resolves a conflict, and Bob's editor receives ``publishDiagnostics``
with or without the warning. The time from Alice's ``didChange`` to Bob's diagnostics is measured, once with
the language server's debounce at 50 ms and once at 0 ms (the part without it).

    uv run python bench/bench_keystroke.py [--keystrokes 60]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agent.config import Credentials, save_credentials
from bench.realtime.procs import BENCH_ENV, free_port, spawn, wait_http
from bench.realtime.stats import percentile
from bench.realtime.team import make_teams

FUNCTIONS = 40
LINE = 5 * 5 + 1  # 0-based: the body line of f5
MAIN = "".join(f"def f{i}(x):\n    y = x * {i}\n    return y + 1\n\n\n" for i in range(FUNCTIONS))
WAIT = 20.0


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def repositories(workdir: Path, remote: str) -> tuple[Path, Path]:
    """An origin with one module, and Alice's and Bob's clones on a feature branch."""
    env_fix = ["-c", "user.email=bench@example.com", "-c", "user.name=bench"]
    origin, seed = workdir / "origin.git", workdir / "seed"
    git(workdir, "init", "-q", "--bare", "-b", "main", str(origin))
    seed.mkdir()
    git(seed, "init", "-q", "-b", "main")
    (seed / "app").mkdir()
    (seed / "app/main.py").write_text(MAIN)
    git(seed, "add", "-A")
    git(seed, *env_fix, "commit", "-q", "-m", "seed")
    git(seed, "push", "-q", str(origin), "main")
    clones = []
    for who in ("alice", "bob"):
        path = workdir / who
        git(workdir, "clone", "-q", str(origin), str(path))
        git(path, "remote", "set-url", "origin", remote + ".git")
        git(path, "checkout", "-q", "-b", f"feature-{who}")
        clones.append(path)
    return clones[0], clones[1]


@dataclass
class Editor:
    """A scripted editor: a pygls client speaking to `tandem lsp`."""

    client: LanguageClient
    uri: str = ""
    version: int = 1
    text: list[str] = field(default_factory=list)
    presence: dict[str, Any] = field(default_factory=dict)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    warnings: int = 0
    received_at: float = 0.0

    def open(self, path: Path) -> None:
        uri = from_fs_path(str(path))
        assert uri is not None
        self.uri = uri
        self.text = path.read_text().splitlines(keepends=True)
        item = types.TextDocumentItem(uri=uri, language_id="python", version=1, text="".join(self.text))
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=item))

    def set_line(self, line: int, content: str) -> float:
        """Replace a line's text (one incremental change); returns when it was sent."""
        old = self.text[line].rstrip("\n")
        self.text[line] = content + "\n"
        self.version += 1
        start, end = types.Position(line=line, character=0), types.Position(line=line, character=len(old))
        change = types.TextDocumentContentChangePartial(range=types.Range(start=start, end=end), text=content)
        sent = time.perf_counter()
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=self.uri, version=self.version),
                content_changes=[change],
            )
        )
        return sent

    async def until(self, condition: Callable[[], bool]) -> None:
        async with asyncio.timeout(WAIT):
            while not condition():
                self.changed.clear()
                await self.changed.wait()

    def configure(self, debounce_ms: int) -> None:
        self.client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings={"tandem": {"debounceMs": debounce_ms}})
        )


async def start_editor(root: Path, runtime: Path, config: Path, debounce_ms: int) -> Editor:
    client = LanguageClient("bench-editor", "1")
    editor = Editor(client)

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def diagnostics(_ls: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
        if params.uri == editor.uri:
            editor.warnings = sum(d.source == "tandem" for d in params.diagnostics)
            editor.received_at = time.perf_counter()
            editor.changed.set()

    @client.feature("tandem/presence")
    def presence(_ls: LanguageClient, params: Any) -> None:
        editor.presence = params._asdict()
        editor.changed.set()

    @client.feature(types.WINDOW_SHOW_MESSAGE)
    def message(_ls: LanguageClient, _params: types.ShowMessageParams) -> None:
        return None

    env = {**os.environ, "TANDEM_RUNTIME_DIR": str(runtime), "TANDEM_CONFIG_DIR": str(config)}
    await client.start_io(sys.executable, "-m", "tandem", "lsp", "--log-level", "WARNING", env=env)
    root_uri = from_fs_path(str(root))
    await client.initialize_async(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(),
            root_uri=root_uri,
            initialization_options={"debounceMs": debounce_ms, "notifyConflicts": False},
        )
    )
    client.initialized(types.InitializedParams())
    return editor


async def measure(alice: Editor, bob: Editor, keystrokes: int) -> list[float]:
    """Milliseconds from each of Alice's keystrokes to Bob's diagnostics showing (or clearing) the conflict."""
    samples = []
    for i in range(keystrokes):
        conflict = i % 2 == 0
        sent = alice.set_line(LINE, "    y = x * 55" if conflict else "    y = x * 5")
        await bob.until(lambda c=conflict: (bob.warnings > 0) == c)  # type: ignore[misc]
        samples.append((bob.received_at - sent) * 1000)
    return samples


async def run(keystrokes: int) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="td-bench-"))
    port = free_port()
    env = {
        **BENCH_ENV,
        "TANDEM_PORT": str(port),
        "TANDEM_DATA_DIR": str(workdir / "data"),
        "TANDEM_LOG_LEVEL": "WARNING",
    }
    server = spawn("server", [sys.executable, "-m", "tandem", "server"], env, port, workdir)
    editors: list[Editor] = []
    runtimes: list[Path] = []
    try:
        await wait_http(server)
        (team,) = await make_teams(server.url, [2], prefix="keystroke")
        roots = repositories(workdir, team.remote_url)
        for root, member in zip(roots, team.members, strict=True):
            config, runtime = Path(tempfile.mkdtemp(prefix="td-c-")), Path(tempfile.mkdtemp(prefix="td-r-"))
            runtimes.append(runtime)
            save_credentials(config, Credentials(server=server.url, token=member.token, email=member.email))
            editors.append(await start_editor(root, runtime, config, 50))
        alice, bob = editors
        alice.open(roots[0] / "app/main.py")
        bob.open(roots[1] / "app/main.py")
        for editor in editors:
            await editor.until(lambda e=editor: e.presence.get("connection") == "online")  # type: ignore[misc]
        bob.set_line(LINE, "    y = x * 5000")
        await measure(alice, bob, 4)  # warm-up: both working copies reported, git's caches warm

        rows = []
        for debounce in (50, 0):
            alice.configure(debounce)
            samples = await measure(alice, bob, keystrokes)
            rows.append((debounce, samples))
        print(f"\nkeystroke -> teammate's diagnostic, {keystrokes} keystrokes each (ms)\n")
        print("| debounce | p50 | p90 | p99 | max | p99 without the debounce |")
        print("| --- | --- | --- | --- | --- | --- |")
        for debounce, samples in rows:
            p50, p90, p99 = (percentile(samples, q) for q in (50, 90, 99))
            print(f"| {debounce} ms | {p50:.1f} | {p90:.1f} | {p99:.1f} | {max(samples):.1f} | {p99 - debounce:.1f} |")
    finally:
        for editor in editors:
            await editor.client.shutdown_async(None)
            editor.client.exit(None)
            await editor.client.stop()
        for runtime in runtimes:
            stop = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "tandem",
                "agent",
                "stop",
                env={**os.environ, "TANDEM_RUNTIME_DIR": str(runtime)},
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            await stop.wait()
            shutil.rmtree(runtime, ignore_errors=True)
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--keystrokes", type=int, default=60, help="keystrokes per debounce setting")
    args = parser.parse_args()
    asyncio.run(run(args.keystrokes))


if __name__ == "__main__":
    main()
