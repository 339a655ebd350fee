"""Browser-test fixtures: a headless Chromium per module, a real backend on a known port, pages failing on JS errors."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer
from playwright.async_api import Browser, BrowserContext, ConsoleMessage, Page, async_playwright, expect

from backend.app import create_app
from backend.settings import Settings
from backend.store.migrate import upgrade_async
from tests import services
from tests.conftest import TEST_KEY
from tests.helpers import Account

CHROMIUM = Path("/usr/bin/chromium")
# Root in a container has no sandbox; nothing may reach the network but the test server.
# Playwright gives every launch a fresh temporary profile (its own --user-data-dir).
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000
"""For actions and assertions: generous for a busy 2-core CI machine; a passing step takes milliseconds."""

NewPage = Callable[[], Awaitable[Page]]


@pytest.fixture(scope="module")
def chromium() -> Path:
    if not CHROMIUM.exists():
        pytest.fail("the dashboard tests need Chromium: apt-get install -y chromium (.ci/run does)", pytrace=False)
    return CHROMIUM


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser(chromium: Path) -> AsyncIterator[Browser]:
    expect.set_options(timeout=TIMEOUT_MS)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(chromium), headless=True, args=LAUNCH_ARGS)
        yield browser
        await browser.close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[TestClient[Any, Any]]:
    """The real app on 127.0.0.1 at a port chosen first, so that the public URL (and the WebSocket origin) is right."""
    data = tmp_path_factory.mktemp("dashboard-server")
    url = f"sqlite+aiosqlite:///{data / 'tandem.db'}"
    await upgrade_async(url)
    port = services.free_port()
    settings = Settings(
        data_dir=data,
        database_url=url,
        secret_key=TEST_KEY,
        log_format="text",
        public_url=f"http://127.0.0.1:{port}",
        password_hash_memory_kib=8,
        password_hash_time_cost=1,
        password_hash_parallelism=1,
    )
    client = TestClient(TestServer(create_app(settings, migrate=False), host="127.0.0.1", port=port))
    await client.start_server()
    yield client
    await client.close()


@pytest.fixture
def base_url(server: TestClient[Any, Any]) -> str:
    return str(server.make_url("")).rstrip("/")


@pytest_asyncio.fixture(loop_scope="module")
async def new_page(browser: Browser, base_url: str) -> AsyncIterator[NewPage]:
    """``await new_page()``: a page in a context of its own (its own sessionStorage: another person)."""
    contexts: list[BrowserContext] = []
    problems: list[str] = []

    def console(message: ConsoleMessage) -> None:
        # A CSP violation means the page tried something the policy forbids: a bug in the page.
        if message.type == "error" and "Content Security Policy" in message.text:
            problems.append(message.text)

    async def make() -> Page:
        context = await browser.new_context(base_url=base_url)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = await context.new_page()
        page.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
        page.on("console", console)
        page.on("dialog", lambda dialog: dialog.accept())
        return page

    yield make
    for context in contexts:
        await context.close()
    assert problems == [], "the page reported errors"


async def sign_in(page: Page, account: Account, path: str = "/dashboard/projects") -> None:
    """Sign in through the form, arriving at ``path``."""
    await page.goto(f"/dashboard/signin?next={quote(path, safe='/')}")
    await page.get_by_label("Email").fill(account.email)
    await page.get_by_label("Password").fill(account.password)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page).to_have_url(re.compile(r"^https?://[^/]+" + re.escape(path.split("#")[0]) + r"(#.*)?$"))
    await expect(page.get_by_role("button", name="Sign out")).to_be_visible()


async def live(page: Page) -> None:
    """Wait until the page's WebSocket to the hub is up (and the open project followed)."""
    await expect(page.locator("#live-status")).to_have_text("Live")
