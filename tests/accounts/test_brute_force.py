"""Brute-force protection on sign-in: per account, per client address, with trusted proxies, and on Redis."""

from __future__ import annotations

import ipaddress
import secrets
import uuid
from typing import Any

from aiohttp.test_utils import TestClient

from tests.conftest import ClientFactory
from tests.helpers import PASSWORD, signup


async def login(client: TestClient[Any, Any], email: str, password: str, **headers: str) -> tuple[int, Any]:
    resp = await client.post("/api/auth/login", json={"email": email, "password": password}, headers=headers)
    body = await resp.json()
    if resp.status == 429:
        retry_after = int(resp.headers["Retry-After"])
        assert 1 <= retry_after <= 300
        assert body["error"]["code"] == "rate_limited"
    return resp.status, body


async def test_a_locked_account_refuses_even_the_right_password(make_client: ClientFactory) -> None:
    client = await make_client(login_max_failures=2)
    account = await signup(client)
    assert (await login(client, account.email, "wrong guess one"))[0] == 401
    assert (await login(client, account.email, "wrong guess two"))[0] == 401
    assert (await login(client, account.email, PASSWORD))[0] == 429
    assert (await login(client, account.email, "wrong guess three"))[0] == 429
    # Other accounts from the same address are not affected by this account's lock.
    other = await signup(client)
    assert (await login(client, other.email, PASSWORD))[0] == 200


async def test_unknown_accounts_are_limited_like_real_ones(make_client: ClientFactory) -> None:
    client = await make_client(login_max_failures=1)
    assert (await login(client, "ghost@example.com", "any guess at all"))[0] == 401
    assert (await login(client, "ghost@example.com", "any guess at all"))[0] == 429


async def test_a_success_resets_the_account_count(make_client: ClientFactory) -> None:
    client = await make_client(login_max_failures=2)
    account = await signup(client)
    for _ in range(3):
        assert (await login(client, account.email, "wrong guess"))[0] == 401
        assert (await login(client, account.email, PASSWORD))[0] == 200


async def test_per_address_limit(make_client: ClientFactory) -> None:
    client = await make_client(login_max_failures_per_address=2)
    accounts = [await signup(client) for _ in range(3)]
    assert (await login(client, accounts[0].email, "wrong guess"))[0] == 401
    assert (await login(client, accounts[1].email, "wrong guess"))[0] == 401
    assert (await login(client, accounts[2].email, PASSWORD))[0] == 429
    # Without a trusted proxy, X-Forwarded-For is the client's word and changes nothing.
    status, _ = await login(client, accounts[2].email, PASSWORD, **{"X-Forwarded-For": "198.51.100.7"})
    assert status == 429


async def test_forwarded_for_is_believed_from_trusted_proxies(make_client: ClientFactory) -> None:
    client = await make_client(login_max_failures_per_address=1, trusted_proxies=("127.0.0.1",))
    account = await signup(client)
    attacker = {"X-Forwarded-For": "203.0.113.9"}
    # A client-written hop further left is ignored: the proxy appended the address it saw.
    spoofing = {"X-Forwarded-For": "192.0.2.1, 203.0.113.9"}
    assert (await login(client, account.email, "wrong guess", **attacker))[0] == 401
    assert (await login(client, "else@example.com", PASSWORD, **attacker))[0] == 429
    assert (await login(client, "else@example.com", PASSWORD, **spoofing))[0] == 429
    status, body = await login(client, account.email, PASSWORD, **{"X-Forwarded-For": "203.0.113.10"})
    assert status == 200
    sessions = await client.get("/api/me/sessions", headers={"Authorization": f"Bearer {body['access_token']}"})
    addresses = {item["client_address"] for item in (await sessions.json())["items"]}
    assert "203.0.113.10" in addresses


async def test_limits_hold_on_redis_counters(make_client: ClientFactory, redis_url: str) -> None:
    # Redis keys outlive the test: a new account and a made-up client address each run keep runs apart.
    settings = {"redis_url": redis_url, "login_max_failures": 2, "trusted_proxies": ("127.0.0.1",)}
    client = await make_client(**settings)
    account = await signup(client, f"redis-{uuid.uuid4().hex[:12]}@example.com")
    via = {"X-Forwarded-For": str(ipaddress.ip_address("198.18.0.0") + secrets.randbelow(1 << 17))}
    assert (await login(client, account.email, "wrong guess", **via))[0] == 401
    assert (await login(client, account.email, "wrong guess", **via))[0] == 401
    assert (await login(client, account.email, PASSWORD, **via))[0] == 429
    # A second process (another app on the same Redis) sees the same lock.
    other = await make_client(**settings)
    assert (await login(other, account.email, PASSWORD, **via))[0] == 429
