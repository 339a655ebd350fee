"""WebSocket tickets: short-lived, single-use, bound to the credential that asked for them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from backend.domain.caller import ALL_SCOPES, Caller
from backend.errors import Unauthorized
from tests.accounts.conftest import ServiceAt, service_of
from tests.helpers import signup


async def test_a_ticket_works_once(client: TestClient[Any, Any]) -> None:
    account = await signup(client)
    service = service_of(client)
    ticket = await service.mint_ws_ticket(account.user_id)
    caller = await service.redeem_ws_ticket(ticket)
    assert caller == Caller(user_id=account.user_id, kind="access", scopes=ALL_SCOPES)
    with pytest.raises(Unauthorized) as err:
        await service.redeem_ws_ticket(ticket)
    assert err.value.code == "token_reused"


async def test_an_old_ticket_has_expired(client: TestClient[Any, Any], service_at: ServiceAt) -> None:
    account = await signup(client)
    ticket = await service_at(client, -timedelta(seconds=31)).mint_ws_ticket(account.user_id)
    with pytest.raises(Unauthorized) as err:
        await service_of(client).redeem_ws_ticket(ticket)
    assert err.value.code == "token_expired"
    assert service_of(client).ws_ticket_ttl == 30


async def test_access_and_refresh_tokens_are_not_tickets(client: TestClient[Any, Any]) -> None:
    account = await signup(client)
    for token in (account.access_token, account.refresh_token, "garbage"):
        with pytest.raises(Unauthorized) as err:
            await service_of(client).redeem_ws_ticket(token)
        assert err.value.code == "token_invalid"


async def test_a_ticket_keeps_the_scopes_and_the_life_of_its_credential(client: TestClient[Any, Any]) -> None:
    account = await signup(client)
    service = service_of(client)
    resp = await client.post("/api/me/tokens", json={"name": "agent", "scopes": ["agent"]}, headers=account.headers)
    pat = await service.identify((await resp.json())["token"])
    caller = await service.redeem_ws_ticket(await service.mint_ws_ticket(account.user_id, via=pat))
    assert caller == pat
    session = await service.identify(account.access_token)
    ticket = await service.mint_ws_ticket(account.user_id, via=session)
    await client.post("/api/auth/logout", headers=account.headers)
    with pytest.raises(Unauthorized) as err:
        await service.redeem_ws_ticket(ticket)
    assert err.value.code == "token_revoked"
