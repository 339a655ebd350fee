"""Sessions in a real browser: tokens where they belong, reload, one refresh for many 401s, sign out, safe rendering."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from playwright.async_api import Browser, ConsoleMessage, Request, Route, expect

from tests.dashboard.conftest import NewPage, sign_in
from tests.helpers import create_project, signup

pytestmark = pytest.mark.asyncio(loop_scope="module")
REFRESH_KEY = "tandem.refresh_token"


async def test_reload_keeps_the_session_and_sign_out_ends_it(server: TestClient[Any, Any], new_page: NewPage) -> None:
    account = await signup(server, name="Ada")
    page = await new_page()
    await sign_in(page, account)
    first = await page.evaluate("(key) => sessionStorage.getItem(key)", REFRESH_KEY)
    assert first
    assert await page.evaluate("() => localStorage.length") == 0, "no credential on disk"

    await page.reload()
    await expect(page.get_by_role("heading", name="Projects", exact=True)).to_be_visible()
    rotated = await page.evaluate("(key) => sessionStorage.getItem(key)", REFRESH_KEY)
    assert rotated
    assert rotated != first, "the reload traded the refresh token for a new one"

    await page.get_by_role("button", name="Sign out").click()
    await expect(page).to_have_url(re.compile(r"/dashboard/signin$"))
    assert await page.evaluate("(key) => sessionStorage.getItem(key)", REFRESH_KEY) is None
    resp = await server.post("/api/auth/refresh", json={"refresh_token": rotated})
    assert resp.status == 401, "signing out ended the session on the server"

    await page.goto("/dashboard/projects")
    await expect(page).to_have_url(re.compile(r"/dashboard/signin\?next=%2Fdashboard%2Fprojects$"))


async def test_concurrent_401s_cause_one_refresh(server: TestClient[Any, Any], new_page: NewPage) -> None:
    account = await signup(server)
    project_id = await create_project(server, account, "Gears")
    page = await new_page()
    await sign_in(page, account)

    # The project page asks for the project and its members at once; both are told the token expired.
    expired = {"error": {"code": "token_expired", "message": "the access token has expired", "details": None}}
    refused: list[str] = []

    async def expire(route: Route) -> None:
        if len(refused) < 2:
            refused.append(route.request.url)
            await route.fulfill(status=401, json=expired)
        else:
            await route.continue_()

    refreshes: list[Request] = []
    page.on("request", lambda r: refreshes.append(r) if r.url.endswith("/api/auth/refresh") else None)
    await page.route(re.compile(rf"/api/projects/{project_id}(/members)?$"), expire)
    await page.get_by_role("link", name="Gears").click()
    await expect(page.get_by_role("heading", name="Gears", level=1)).to_be_visible()
    assert len(refused) == 2
    assert len(refreshes) == 1, "refresh tokens are single use: one refresh serves every waiting call"
    await expect(page.get_by_role("button", name="Sign out")).to_be_visible()


async def test_sign_in_errors_and_no_redirect_elsewhere(server: TestClient[Any, Any], new_page: NewPage) -> None:
    account = await signup(server)
    page = await new_page()
    await page.goto("/dashboard/signin?next=https%3A%2F%2Fevil.example%2F")
    await page.get_by_label("Email").fill(account.email)
    await page.get_by_label("Password").fill("not the password")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("alert")).to_have_text("Wrong email or password.")
    await page.get_by_label("Password").fill(account.password)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page).to_have_url(re.compile(r"/dashboard/projects$"))


async def test_the_invitation_link_refuses_another_account(server: TestClient[Any, Any], new_page: NewPage) -> None:
    owner, other = await signup(server), await signup(server)
    project_id = await create_project(server, owner)
    resp = await server.post(
        f"/api/projects/{project_id}/invitations", json={"email": "someone@example.com"}, headers=owner.headers
    )
    link = (await resp.json())["accept_url"]

    page = await new_page()
    await sign_in(page, other, re.sub(r"^https?://[^/]+", "", link))
    await page.get_by_role("button", name="Accept invitation").click()
    await expect(page.get_by_role("alert")).to_contain_text(f"sent to another address than {other.email}")
    await page.get_by_role("button", name="Sign in with another account").click()
    await expect(page).to_have_url(re.compile(r"/dashboard/signin\?next=%2Finvitations%2F"))


async def test_data_is_rendered_as_text(server: TestClient[Any, Any], new_page: NewPage) -> None:
    account = await signup(server, name='<b id="name">Eve</b>')
    hostile = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>'
    project_id = await create_project(server, account, hostile)
    page = await new_page()
    await sign_in(page, account, f"/dashboard/projects/{project_id}/members")
    await expect(page.get_by_role("heading", level=1)).to_have_text(hostile)
    await expect(page.get_by_role("row").nth(1)).to_contain_text('<b id="name">Eve</b> (you)')
    assert await page.locator("main img, main script, #name").count() == 0
    assert await page.evaluate("() => window.pwned") is None


async def test_the_policy_stops_injected_inline_code(browser: Browser, base_url: str) -> None:
    context = await browser.new_context(base_url=base_url)
    try:
        page = await context.new_page()
        refused: list[str] = []
        both = asyncio.Event()

        def console(message: ConsoleMessage) -> None:
            if "Content Security Policy" in message.text:
                refused.append(message.text)
                if len(refused) == 2:
                    both.set()

        page.on("console", console)
        await page.goto("/dashboard/signin")
        await expect(page.get_by_role("heading", name="Sign in to Tandem")).to_be_visible()
        # What a bug that rendered data as HTML would let in: an inline script and an inline handler.
        await page.evaluate(
            """() => {
                const script = document.createElement("script");
                script.textContent = "window.injected = 1";
                document.body.append(script);
                const img = document.createElement("img");
                img.setAttribute("onerror", "window.injected = 2");
                img.src = "/nowhere.png";
                document.body.append(img);
            }"""
        )
        await asyncio.wait_for(both.wait(), 5)
        assert any("script-src" in text for text in refused)
        assert await page.evaluate("() => window.injected") is None
    finally:
        await context.close()
