"""The hub's connection rules: authentication, error replies that keep the connection, flood and lag limits."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import orjson
import pytest
from aiohttp.test_utils import TestClient

from backend import keys
from backend.events import encode_event, user_channel
from tandem.protocol import PROTOCOL_VERSION, CloseCode
from tests.conftest import Connect
from tests.helpers import signup

pytestmark = pytest.mark.parametrize("store_kind", ["sqlite"], indirect=True)


async def test_hello_with_bearer_token(client: TestClient[Any, Any], connect: Connect) -> None:
    alice = await signup(client)
    proto = await connect(client, alice, hello=False)
    result = await proto.hello()
    assert result["protocol"] == PROTOCOL_VERSION
    assert result["user_id"] == alice.user_id
    assert result["heartbeat_interval"] > 0
    assert await proto.call("ping") == {}


async def test_commands_before_hello_are_refused(client: TestClient[Any, Any], connect: Connect) -> None:
    alice = await signup(client)
    proto = await connect(client, alice, hello=False)
    reply = await proto.request("ping")
    assert reply["ok"] is False
    assert reply["error"]["code"] == "unauthenticated"
    await proto.hello()  # still open, and hello works afterwards


async def test_unauthenticated_connection_is_closed_in_time(make_client: Any, connect: Connect) -> None:
    client = await make_client(ws_auth_timeout=0.2)
    proto = await connect(client, None, hello=False)
    assert await proto.wait_closed() == CloseCode.UNAUTHENTICATED


async def test_hello_without_credentials_is_refused_and_closed(client: TestClient[Any, Any], connect: Connect) -> None:
    proto = await connect(client, None, hello=False)
    reply = await proto.request("hello", protocol=PROTOCOL_VERSION)
    assert reply["ok"] is False
    assert reply["error"]["code"] == "unauthorized"
    assert await proto.wait_closed() == CloseCode.UNAUTHENTICATED


async def test_wrong_protocol_version_is_closed_with_4010(client: TestClient[Any, Any], connect: Connect) -> None:
    alice = await signup(client)
    proto = await connect(client, alice, hello=False)
    reply = await proto.request("hello", protocol=PROTOCOL_VERSION + 99)
    assert reply["result"]["supported"] == [PROTOCOL_VERSION]
    assert await proto.wait_closed() == CloseCode.UNSUPPORTED_PROTOCOL


async def test_browser_ticket_flow_and_single_use(make_client: Any, connect: Connect) -> None:
    client = await make_client(public_url="http://dash.test:8400")
    alice = await signup(client)
    origin = {"Origin": "http://dash.test:8400"}
    resp = await client.post("/api/ws/ticket", headers=alice.headers)
    assert resp.status == 201
    ticket = (await resp.json())["ticket"]

    proto = await connect(client, None, hello=False, headers=origin)
    result = await proto.hello(ticket=ticket)
    assert result["user_id"] == alice.user_id

    again = await connect(client, None, hello=False, headers=origin)
    reply = await again.request("hello", protocol=PROTOCOL_VERSION, ticket=ticket)
    assert reply["ok"] is False
    assert await again.wait_closed() == CloseCode.UNAUTHENTICATED


async def test_foreign_origin_is_refused_before_upgrade(client: TestClient[Any, Any]) -> None:
    with pytest.raises(aiohttp.WSServerHandshakeError) as info:
        await client.ws_connect("/api/ws", headers={"Origin": "https://evil.example"})
    assert info.value.status == 403


async def test_allowed_origin_from_settings(make_client: Any, connect: Connect) -> None:
    client = await make_client(allowed_origins=("https://dash.example",))
    alice = await signup(client)
    proto = await connect(client, alice, headers={"Origin": "https://dash.example"})
    assert await proto.call("ping") == {}


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        ("{not json", "bad_request"),
        ('{"id": 7, "type": "no.such.command"}', "unknown_type"),
        ('{"id": 8}', "unknown_type"),
        ('{"id": 9, "type": "subscribe"}', "invalid"),
        ('{"id": 10, "type": "subscribe", "project_id": 12}', "invalid"),
        ('{"id": 11, "type": "ping", "extra": true}', "invalid"),
        ("[1, 2, 3]", "invalid"),
    ],
)
async def test_bad_frames_get_error_replies_and_keep_the_connection(
    client: TestClient[Any, Any], connect: Connect, frame: str, code: str
) -> None:
    alice = await signup(client)
    proto = await connect(client, alice)
    await proto.send_raw(frame)
    reply = await asyncio.wait_for(proto.orphans.get(), 5)
    assert reply["ok"] is False
    assert reply["error"]["code"] == code
    if frame.startswith('{"id": '):
        assert reply["id"] == orjson.loads(frame)["id"]
    assert await proto.call("ping") == {}


@pytest.mark.parametrize(
    ("fields", "loc", "says"),
    [
        ({"seq": "12"}, ["seq"], "Expected `int`, got `str`"),
        ({"seq": 1.5}, ["seq"], "Expected `int`, got `float`"),
        (
            {"changed": [{"path": "a.py", "status": "modified", "hunks": [{"base_start": -1}]}]},
            ["changed", 0, "hunks", 0, "base_start"],
            "Expected `int` >= 0",
        ),
        ({"changed": [{"path": "a.py", "status": "copied"}]}, ["changed", 0, "status"], "Invalid enum value"),
        ({"focus": {"path": "a.py", "line": 1, "column": 2}}, ["focus"], "unknown field `column`"),
    ],
)
async def test_an_invalid_update_says_which_field_and_why(
    client: TestClient[Any, Any], connect: Connect, fields: dict[str, Any], loc: list[Any], says: str
) -> None:
    alice = await signup(client)
    proto = await connect(client, alice)
    frame = {"id": 5, "type": "activity.update", "workcopy": "wc", "seq": 1, **fields}
    await proto.send_raw(orjson.dumps(frame).decode())
    reply = await asyncio.wait_for(proto.orphans.get(), 5)
    assert reply["id"] == 5
    assert reply["error"]["code"] == "invalid"
    (detail,) = reply["error"]["details"]
    assert detail["loc"] == loc
    assert detail["type"] == "invalid"
    assert says in detail["msg"], detail


async def test_oversized_frame_gets_an_error_reply(make_client: Any, connect: Connect) -> None:
    client = await make_client(ws_max_message_bytes=2048)
    alice = await signup(client)
    proto = await connect(client, alice)
    await proto.send_raw('{"id": 1, "type": "ping", "pad": "' + "x" * 4000 + '"}')
    reply = await asyncio.wait_for(proto.orphans.get(), 5)
    assert reply["error"]["code"] == "payload_too_large"
    assert await proto.call("ping") == {}


async def test_flooding_client_is_warned_then_closed(make_client: Any, connect: Connect) -> None:
    client = await make_client(ws_rate=1.0, ws_burst=5, ws_flood_limit=50)
    alice = await signup(client)
    proto = await connect(client, alice)
    for i in range(200):
        if proto.closed.done():
            break
        await proto.send_raw(orjson.dumps({"id": i, "type": "ping"}))
    assert await proto.wait_closed() == CloseCode.RATE_LIMITED
    codes = []
    while not proto.orphans.empty():
        codes.append((await proto.orphans.get()).get("error", {}).get("code"))
    assert "rate_limited" in codes


async def test_slow_consumer_is_closed_and_told_to_resync(make_client: Any) -> None:
    client = await make_client(ws_send_buffer_bytes=4096)
    alice = await signup(client)
    # A raw client that authenticates and then stops reading.
    ws = await client.ws_connect("/api/ws", headers=alice.headers, max_msg_size=0)
    await ws.send_bytes(orjson.dumps({"id": 1, "type": "hello", "protocol": PROTOCOL_VERSION}))
    reply = orjson.loads((await ws.receive()).data)
    assert reply["ok"]
    bus = client.app[keys.BUS]
    event = encode_event("user.status", {"pad": "x" * 60_000})
    hub = client.app[keys.HUB]
    # Publish until the server gives up on the reader; bounded so the test cannot spin forever.
    (conn,) = hub.connections_of(alice.user_id)
    for _ in range(2000):
        await bus.publish(user_channel(alice.user_id), event)
        if conn.closing:
            break
        await asyncio.sleep(0)  # let the hub route what was published
    assert conn.closing
    # Draining what was buffered ends with the close frame that says why.
    while True:
        message = await asyncio.wait_for(ws.receive(), 10)
        if message.type != aiohttp.WSMsgType.TEXT:
            break
    assert message.type == aiohttp.WSMsgType.CLOSE
    assert message.data == CloseCode.RESYNC
    await ws.close()


async def test_shutdown_closes_with_going_away(make_client: Any, connect: Connect) -> None:
    client = await make_client()
    alice = await signup(client)
    proto = await connect(client, alice)
    await client.app[keys.HUB].stop()
    assert await proto.wait_closed() == CloseCode.GOING_AWAY


async def _silent_peer(client: TestClient[Any, Any], *, answers_pings: bool) -> aiohttp.ClientWebSocketResponse:
    """A raw WebSocket that says hello and then nothing; whether its pongs go out is up to ``answers_pings``."""
    alice = await signup(client)
    ws = await client.ws_connect("/api/ws", headers=alice.headers, autoping=answers_pings)
    await ws.send_bytes(orjson.dumps({"id": 1, "type": "hello", "protocol": PROTOCOL_VERSION}))
    reply = await ws.receive(timeout=5)
    assert orjson.loads(reply.data)["ok"] is True
    return ws


async def test_a_silent_peer_that_answers_no_ping_is_dropped(make_client: Any) -> None:
    client = await make_client(heartbeat_interval=0.2)
    ws = await _silent_peer(client, answers_pings=False)
    kinds = []
    async with asyncio.timeout(5):
        while True:
            message = await ws.receive()
            kinds.append(message.type)
            if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                break
    assert kinds[0] == aiohttp.WSMsgType.PING  # pinged once it fell silent, then dropped
    assert kinds.count(aiohttp.WSMsgType.PING) == 1


async def test_a_silent_peer_that_answers_pings_stays(make_client: Any) -> None:
    client = await make_client(heartbeat_interval=0.1)
    ws = await _silent_peer(client, answers_pings=True)  # aiohttp's client answers each ping with a pong
    with pytest.raises(TimeoutError):  # ten rounds of keep-alive: nothing but pings, answered under the hood
        async with asyncio.timeout(1.0):
            await ws.receive()
    await ws.send_bytes(orjson.dumps({"id": 2, "type": "ping"}))
    reply = await ws.receive(timeout=5)
    assert orjson.loads(reply.data) == {"id": 2, "ok": True, "result": {}}
    await ws.close()


async def test_a_ping_from_the_client_gets_a_pong(client: TestClient[Any, Any]) -> None:
    ws = await _silent_peer(client, answers_pings=False)
    await ws.ping(b"are you there")
    message = await ws.receive(timeout=5)
    assert (message.type, message.data) == (aiohttp.WSMsgType.PONG, b"are you there")
    await ws.close()
