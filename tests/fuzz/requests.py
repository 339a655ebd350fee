"""Fuzzed HTTP requests for the operations of the OpenAPI document, and the checks every response must pass."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

import orjson
from hypothesis import strategies as st

from tests.fuzz.openapi import Operation, ResponseSchemas
from tests.fuzz.schemas import CHARACTERS, JSON_VALUES, TEXT, SchemaStrategies

# Who the request claims to be; the world (see world.py) turns each into an Authorization header.
CREDENTIALS = ("none", "access", "pat_read", "expired", "wrong_key", "alg_none", "other_sub", "malformed")
JUNK_SEGMENTS = (
    "..",
    ".",
    "%2e%2e",
    "%00",
    "%ff",
    "%",
    "%zz",
    "%2F",
    "a%2Fb",
    "%20",
    "0",
    "-1",
    "null",
    "%27%20OR%201%3D1%20--",
)
MALFORMED_JSON = (
    b"",
    b"{",
    b"[",
    b'{"a":',
    b"nul",
    b"\xff\xfe\x00",
    b'{"a": NaN}',
    b'{"a": Infinity}',
    b'"\\ud800"',
    b"1e999999",
    b"-",
    b"{}garbage",
    b"\x00",
    b"[" * 2000 + b"]" * 2000,
    b"[" * 300 + b"]" * 300,
    b'{"name": "\\u0000"}',
)
CONTENT_TYPES = (
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=xyz",
    "application/json; charset=utf-16",
    "application/JSON",
    "application/json;;;",
    "application/merge-patch+json",
    "*/*",
    "garbage",
)
CONTENT_ENCODINGS = ("gzip", "deflate", "br", "zstd", "identity", "x-unknown")
REQUEST_LINE_LIMIT = 8190
"""aiohttp's ``max_line_size``."""
HEADER_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=60)
MALFORMED_AUTH = st.one_of(
    st.sampled_from(
        ["Bearer", "Bearer  ", "Basic dXNlcjpwYXNz", "bearer a.b.c", "Token abc", "Bearer tdm_pat_", "Bearer a b"]
    ),
    HEADER_TEXT.map(lambda s: f"Bearer {s}"),
    HEADER_TEXT,
)


@dataclass(frozen=True)
class Case:
    """One request, ready to send."""

    operation: Operation
    target: str
    """Path and query, already percent-encoded, sent as is."""
    credential: str
    body_kind: str
    body: bytes | None = None
    content_type: str | None = "application/json"
    headers: Mapping[str, str] = field(default_factory=dict)

    def describe(self) -> str:
        shown = self.body if self.body is None or len(self.body) <= 300 else self.body[:300] + b"..."
        target = self.target if len(self.target) <= 300 else f"{self.target[:300]}... ({len(self.target)} chars)"
        return (
            f"{self.operation.method} {target} as {self.credential}, {self.body_kind} body {shown!r}, "
            f"content type {self.content_type!r}, headers {dict(self.headers)}"
        )


@dataclass(frozen=True)
class Reply:
    status: int
    content_type: str
    body: bytes


def encode_json(value: Any, ascii_only: bool) -> bytes:
    """JSON as a client might send it; stdlib json writes integers of any size, unlike orjson."""
    return json.dumps(value, ensure_ascii=ascii_only).encode()


# Each request is a plausible one with at most one thing wrong: with several at once nearly every request
# would stop at the first check, and the code behind it would never see odd but valid values.
FLAWS = ("none", "none", "none", "none", "credential", "path", "query", "body", "content_type", "headers")
BODY_FLAWS = ("near_miss", "near_miss", "near_miss", "nul", "nul", "json", "malformed", "none", "oversize")
URL_TEXT_LIMIT = 1000
"""Encoded length of a fitting query value: longer ones (a field's maximum in emoji) break the request line."""


def path_value(known: Sequence[str], flawed: bool) -> st.SearchStrategy[str]:
    """An encoded path segment: a real id, or (flawed, or when none is known) a trap, text, or a long one."""
    if known and not flawed:
        return st.sampled_from(sorted(known)).map(lambda s: quote(s, safe=""))
    return st.one_of(
        st.sampled_from(JUNK_SEGMENTS),
        st.text(CHARACTERS, min_size=1, max_size=40).map(lambda s: quote(s, safe="")),
        st.integers(100, 3000).map(lambda n: "a" * n),
    )


def query_value(schemas: SchemaStrategies, schema: Mapping[str, Any], flawed: bool) -> st.SearchStrategy[str | None]:
    """A query value as text: one that fits, or (flawed) junk or a long one; None leaves the parameter out."""
    fitting = schemas.valid(schema).map(_as_query_text)
    if not flawed:
        return st.one_of(st.none(), fitting.filter(lambda v: v is None or len(quote(v)) <= URL_TEXT_LIMIT))
    return st.one_of(TEXT, st.integers(200, 3000).map(lambda n: "9" * n))


def _as_query_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@st.composite
def body_for(
    draw: st.DrawFn, schemas: SchemaStrategies, operation: Operation, limit: int, flawed: bool
) -> tuple[str, bytes | None]:
    """A body that fits the operation's schema (none if it takes none), or (flawed) one of the ways not to."""
    if not flawed:
        kind = "valid" if operation.body is not None else "none"
    else:
        kind = draw(st.sampled_from(BODY_FLAWS if operation.body is not None else ("json", "malformed")))
    ascii_only = draw(st.booleans())
    if kind == "none":
        return kind, None
    if kind == "json":
        return kind, encode_json(draw(JSON_VALUES), ascii_only)
    if kind == "malformed":
        truncated = st.builds(lambda v, cut: encode_json(v, True)[:cut], JSON_VALUES, st.integers(0, 20))
        return kind, draw(st.one_of(st.sampled_from(MALFORMED_JSON), st.binary(max_size=64), truncated))
    if kind == "oversize":
        return kind, encode_json({"name": "a" * limit}, True)
    assert operation.body is not None
    if kind == "near_miss":
        value = draw(schemas.near_miss(operation.body))
    else:  # valid, or valid but with NUL characters in its text
        value = draw(SchemaStrategies(schemas.components, nul=kind == "nul").valid(operation.body))
    return kind, encode_json(value, ascii_only)


@st.composite
def cases(
    draw: st.DrawFn,
    operation: Operation,
    schemas: SchemaStrategies,
    known: Mapping[str, Sequence[str]],
    body_limit: int,
) -> Case:
    """A request to ``operation`` with generated values, signed in, with real ids, and at most one flaw: odd
    credentials, a trap in the path, junk in the query, a body that does not fit, a wrong content type or
    encoding, or odd headers."""
    flaw = draw(st.sampled_from(FLAWS))
    path = operation.path
    flawed_param = draw(st.sampled_from(operation.path_params)) if flaw == "path" and operation.path_params else None
    for name in operation.path_params:
        path = path.replace("{" + name + "}", draw(path_value(known.get(name, ()), name == flawed_param)))
    pairs: list[tuple[str, str]] = []
    flawed_query = (
        draw(st.sampled_from([p.name for p in operation.query])) if flaw == "query" and operation.query else None
    )
    for param in operation.query:
        value = draw(query_value(schemas, param.schema, param.name == flawed_query))
        if value is not None:
            pairs.append((param.name, value))
    if flaw == "query" and (not operation.query or draw(st.booleans())):
        pairs.append((draw(TEXT.filter(bool)), draw(TEXT)))  # a parameter nobody declared
    target = path + ("?" + urlencode(pairs, quote_via=quote) if pairs else "")
    credential = draw(st.sampled_from(CREDENTIALS if flaw == "credential" else ("access", "access", "pat_read")))
    headers: dict[str, str] = {}
    if credential == "malformed":
        headers["Authorization"] = draw(MALFORMED_AUTH)
    kind, body = draw(body_for(schemas, operation, body_limit, flaw == "body"))
    content_type: str | None = "application/json"
    if flaw == "content_type":
        if body is None:
            body = encode_json(draw(JSON_VALUES), True)
        if draw(st.booleans()):
            headers["Content-Encoding"] = draw(st.sampled_from(CONTENT_ENCODINGS))
        else:
            content_type = draw(st.one_of(st.none(), st.sampled_from(CONTENT_TYPES)))
    if flaw == "headers":
        forwarded = st.one_of(HEADER_TEXT, st.just("10.0.0.1, 300.1.1.1"), st.ip_addresses().map(str))
        headers["X-Forwarded-For"] = draw(forwarded)
        headers["X-Request-Id"] = draw(HEADER_TEXT)
    return Case(operation, target, credential, kind, body, content_type, headers)


def before_the_app(case: Case) -> bool:
    """Whether aiohttp's HTTP parser may refuse the request itself, in plain text, before any of our code runs:
    a request line over its limit, or a body it fails to decompress while reading it (docs/testing.md)."""
    request_line = len(case.operation.method) + len(case.target) + len(" HTTP/1.1")
    return request_line > REQUEST_LINE_LIMIT or "Content-Encoding" in case.headers


def problems(case: Case, reply: Reply, responses: ResponseSchemas) -> list[str]:
    """What is wrong with the reply to ``case``: a 5xx, an error without the error shape, an off-schema body."""
    if reply.status >= 500:
        return [f"server error {reply.status}: {reply.body[:500]!r}"]
    if reply.status == 400 and reply.content_type == "text/plain" and before_the_app(case):
        return []
    if reply.status == 204:
        return []
    if reply.status < 400:
        return _success_problems(case, reply, responses)
    if reply.content_type != "application/json":
        return [f"{reply.status} with content type {reply.content_type!r}: {reply.body[:200]!r}"]
    try:
        body = orjson.loads(reply.body)
    except orjson.JSONDecodeError:
        return [f"{reply.status} with a body that is not JSON: {reply.body[:200]!r}"]
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict) or set(error) != {"code", "message", "details"}:
        return [f"{reply.status} without the error shape: {body!r}"]
    found = []
    if not (isinstance(error["code"], str) and error["code"]):
        found.append(f"{reply.status} with an empty error code: {body!r}")
    if not (isinstance(error["message"], str) and error["message"].strip()):
        found.append(f"{reply.status} with an empty message: {body!r}")
    return found


def _success_problems(case: Case, reply: Reply, responses: ResponseSchemas) -> list[str]:
    operation = case.operation
    if reply.status != operation.success:
        return [f"{reply.status}, but the document says {operation.success} on success"]
    declared = operation.responses[str(reply.status)].get("content", {})
    if reply.content_type not in declared:
        return [f"{reply.status} as {reply.content_type!r}, but the document says {sorted(declared)}"]
    if reply.content_type != "application/json":
        return [] if reply.body else [f"{reply.status} {reply.content_type} with nothing in it"]
    try:
        body = orjson.loads(reply.body)
    except orjson.JSONDecodeError:
        return [f"{reply.status} with a body that is not JSON: {reply.body[:200]!r}"]
    return responses.errors(operation, reply.status, body)
