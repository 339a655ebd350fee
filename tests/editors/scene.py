"""The end-to-end scene every real-editor test plays: Alice edits a line in her editor, then Bob edits it too."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from agent.daemon import Agent
from tests.agent.sandbox import Sandbox
from tests.agent_daemon.conftest import MAIN_PY, Team, clone_of
from tests.editors.headless import editor_env
from tests.lsp.conftest import named_team

MAIN = "app/main.py"
F5_BODY = MAIN_PY.splitlines().index("    y = x * 5")
"""The edited line, 0-based (as Neovim's diagnostics and Eglot's script count)."""
ALICE_TEXT = "    y = x * 50"


@dataclass
class Scene:
    team: Team
    alice: Agent
    alice_box: Sandbox
    bob_box: Sandbox

    async def on_line(self, word: str) -> None:
        """Once Alice's editor is online with her edit in the buffer ("ready"), Bob edits the same line."""
        if word == "ready":
            self.bob_box.write(MAIN, MAIN_PY.replace("    y = x * 5\n", "    y = x * 500\n"))

    def env(self, folder: Path, **extra: str) -> dict[str, str]:
        """Alice's editor environment, telling its script which line to edit and how."""
        return editor_env(
            folder,
            self.alice,
            TANDEM_TEST_FILE=str(self.alice_box.root / MAIN),
            TANDEM_TEST_LINE=str(F5_BODY),
            TANDEM_TEST_TEXT=ALICE_TEXT,
            **extra,
        )


async def alice_and_bob(
    client: TestClient[Any, Any], origin: Path, tmp_path: Path, start_agent: Callable[..., Awaitable[Agent]]
) -> Scene:
    """Two named teammates, each with a clone and an agent watching it."""
    team = await named_team(client)
    alice_box, bob_box = clone_of(origin, tmp_path / "alice"), clone_of(origin, tmp_path / "bob")
    alice = await start_agent(team, 0, alice_box.root)
    await start_agent(team, 1, bob_box.root)
    return Scene(team, alice, alice_box, bob_box)
