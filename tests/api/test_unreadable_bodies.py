"""Bodies aiohttp cannot even decode (a Content-Encoding they do not have) are a 400, not a 500."""

from __future__ import annotations

import gzip
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.helpers import signup

BODY = b'{"email": "a@example.com", "password": "correct horse battery staple"}'


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
async def test_a_body_that_is_not_what_its_content_encoding_says_is_400(
    client: TestClient[Any, Any], encoding: str
) -> None:
    resp = await client.post(
        "/api/auth/login", data=BODY, headers={"Content-Type": "application/json", "Content-Encoding": encoding}
    )
    body = await resp.json()
    assert resp.status == 400, body
    assert body["error"]["code"] == "bad_request"
    assert f"Content-Encoding: {encoding}" in body["error"]["message"]


async def test_a_body_that_is_really_gzipped_is_read(client: TestClient[Any, Any]) -> None:
    account = await signup(client)
    raw = b'{"email": "%s", "password": "%s"}' % (account.email.encode(), account.password.encode())
    resp = await client.post(
        "/api/auth/login",
        data=gzip.compress(raw),
        headers={"Content-Type": "application/json", "Content-Encoding": "gzip"},
    )
    assert resp.status == 200, await resp.text()
