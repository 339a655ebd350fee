"""Fuzzed WebSocket frames for the hub, and a session that sends one at a time and checks its reply."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson
from aiohttp.test_utils import TestClient
from hypothesis import strategies as st

from tandem.protocol import PROTOCOL_VERSION
from tests.fuzz.requests import MALFORMED_JSON, encode_json
from tests.fuzz.schemas import JSON_VALUES, TEXT, SchemaStrategies

WAIT = 5.0


@dataclass(frozen=True)
class Frame:
    data: bytes
    binary: bool
    sent_id: Any = None
    """The ``id`` of the command this frame was made from, when it was one."""

    def describe(self) -> str:
        shown = self.data if len(self.data) <= 300 else self.data[:300] + b"..."
        return f"{'binary' if self.binary else 'text'} frame {shown!r}"


def garbage_frames(max_message_bytes: int) -> st.SearchStrategy[Frame]:
    """Frames that are not commands: bytes, text, JSON of any shape, malformed JSON, oversized."""
    return st.one_of(
        st.builds(Frame, st.binary(max_size=200), st.just(True)),
        st.builds(Frame, TEXT.map(str.encode), st.just(False)),
        st.builds(Frame, st.builds(encode_json, JSON_VALUES, st.booleans()), st.booleans()),
        st.builds(Frame, st.sampled_from(MALFORMED_JSON), st.booleans()),
        st.builds(Frame, st.just(b"[" * 1000 + b"]" * 1000), st.just(False)),
        st.builds(
            Frame, st.just(b'{"id": 1, "type": "ping", "pad": "' + b"a" * max_message_bytes + b'"}'), st.just(False)
        ),
    )


def command_frames(
    schemas: SchemaStrategies, schema: Mapping[str, Any], known: Mapping[str, Sequence[str]], max_message_bytes: int
) -> st.SearchStrategy[Frame]:
    """One command type: values that fit its schema, real ids in place of generated ones, or near misses.

    Frames stay under the hard limit (4x ``max_message_bytes``), over which the hub closes with 1009 by design.
    """
    fitting = st.builds(_with_known, schemas.valid(schema), st.data(), st.just(known))
    with_nul = SchemaStrategies(schemas.components, nul=True).valid(schema)
    commands = st.one_of(fitting, fitting, fitting, with_nul, schemas.near_miss(schema))
    frames = st.builds(_as_frame, commands, st.booleans(), st.booleans())
    return frames.filter(lambda frame: len(frame.data) <= 4 * max_message_bytes)


def _with_known(command: Any, data: st.DataObject, known: Mapping[str, Sequence[str]]) -> Any:
    if not isinstance(command, dict):
        return command
    out = dict(command)
    for key, value in command.items():
        if key in known and known[key] and data.draw(st.booleans()):
            out[key] = data.draw(st.sampled_from(known[key]))
        elif isinstance(value, dict):
            out[key] = _with_known(value, data, known)
    return out


def _as_frame(command: Any, binary: bool, ascii_only: bool) -> Frame:
    sent_id = command.get("id") if isinstance(command, dict) else None
    return Frame(encode_json(command, ascii_only), binary, sent_id)


class HubSession:
    """An authenticated connection; each frame must get exactly one well-formed reply, and no close.

    A connection that ended (a failure already reported) is opened again before the next frame, so that
    Hypothesis, replaying and shrinking, sees each frame on a live connection.
    """

    def __init__(self, client: TestClient[Any, Any], authorization: str) -> None:
        self.client = client
        self.authorization = authorization
        self.ws: aiohttp.ClientWebSocketResponse | None = None

    async def exchange(self, frame: Frame) -> list[str]:
        if self.ws is None or self.ws.closed:
            self.ws = await self.client.ws_connect("/api/ws", headers={"Authorization": self.authorization})
            hello = {"id": "hello", "type": "hello", "protocol": PROTOCOL_VERSION}
            if found := await self._exchange(self.ws, Frame(orjson.dumps(hello), False, "hello")):
                return [f"hello: {problem}" for problem in found]
        return await self._exchange(self.ws, frame)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()

    @staticmethod
    async def _exchange(ws: aiohttp.ClientWebSocketResponse, frame: Frame) -> list[str]:
        try:
            if frame.binary:
                await ws.send_bytes(frame.data)
            else:
                await ws.send_str(frame.data.decode("utf-8", "replace"))
        except ConnectionError as err:
            return [f"connection lost while sending: {err}"]
        while True:
            try:
                message = await ws.receive(timeout=WAIT)
            except TimeoutError:
                return [f"no reply within {WAIT} s"]
            if message.type != aiohttp.WSMsgType.TEXT:
                return [f"connection ended ({message.type.name}, close code {ws.close_code})"]
            reply = orjson.loads(message.data)
            if "ok" in reply:  # events (no "ok") may come in between
                return reply_problems(frame, reply)


def reply_problems(frame: Frame, reply: dict[str, Any]) -> list[str]:
    found: list[str] = []
    if reply.get("id") is not None and reply["id"] != frame.sent_id:
        found.append(f"reply for id {reply['id']!r}, but the frame had {frame.sent_id!r}")
    if reply["ok"] is True:
        if reply.get("id") != frame.sent_id:
            found.append(f"ok reply without the frame's id {frame.sent_id!r}")
        if not isinstance(reply.get("result"), dict):
            found.append(f"ok reply without a result object: {reply!r}")
        return found
    error = reply.get("error")
    if reply["ok"] is not False or not isinstance(error, dict) or set(error) != {"code", "message", "details"}:
        return [*found, f"reply without the error shape: {reply!r}"]
    if error["code"] == "internal":
        found.append(f"internal error: {reply!r}")
    if not (isinstance(error["message"], str) and error["message"].strip()):
        found.append(f"error without a message: {reply!r}")
    return found
