"""Declares API endpoints with their schemas, registers them on the router and derives the OpenAPI document."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson
from aiohttp import web
from pydantic import BaseModel, ValidationError
from pydantic.json_schema import models_json_schema

from backend import keys
from backend.api.models import ErrorResponse
from backend.errors import BadRequest, Forbidden, Invalid, NotFound, PayloadTooLarge, Unauthorized

Handler = Callable[..., Awaitable[Any]]
Method = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]

_PATH_PARAM = re.compile(r"{(\w+)}")
_ERROR_STATUSES = {
    400: "Malformed request",
    401: "Missing, expired or revoked credentials",
    403: "Your role does not allow this",
    404: "No such resource, or not visible to you",
    409: "Conflicts with the current state",
    413: "Body too large",
    422: "Invalid content",
    429: "Too many attempts",
}


@dataclass(frozen=True, slots=True)
class Endpoint:
    method: Method
    path: str
    handler: Handler
    summary: str
    tags: tuple[str, ...]
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    auth: bool
    scope: str
    errors: tuple[int, ...]


@dataclass
class Routes:
    """A group of endpoints declared next to their views, included explicitly by the app factory."""

    tag: str
    endpoints: list[Endpoint] = field(default_factory=list)

    def route(
        self,
        method: Method,
        path: str,
        *,
        body: type[BaseModel] | None = None,
        query: type[BaseModel] | None = None,
        response: type[BaseModel] | None = None,
        status: int = 200,
        auth: bool = True,
        scope: str | None = None,
        errors: Sequence[int] = (),
        summary: str | None = None,
    ) -> Callable[[Handler], Handler]:
        """Declare an endpoint. The handler gets ``(request, body=..., query=...)`` for what is declared.

        It returns a pydantic model (serialized with ``status``), None (204) or a ready response.
        ``auth`` (on by default) requires an identified caller; ``scope`` defaults to ``read`` for GET
        and ``write`` otherwise, and is what a personal access token must carry.
        """

        def decorate(handler: Handler) -> Handler:
            doc = (handler.__doc__ or "").strip().splitlines()
            self.endpoints.append(
                Endpoint(
                    method=method,
                    path=path,
                    handler=handler,
                    summary=summary or (doc[0] if doc else handler.__name__),
                    tags=(self.tag,),
                    body=body,
                    query=query,
                    response=response,
                    status=204 if response is None and status == 200 else status,
                    auth=auth,
                    scope=scope or ("read" if method == "GET" else "write"),
                    errors=tuple(errors),
                )
            )
            return handler

        return decorate

    def get(self, path: str, **kwargs: Any) -> Callable[[Handler], Handler]:
        return self.route("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Callable[[Handler], Handler]:
        return self.route("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Callable[[Handler], Handler]:
        return self.route("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Callable[[Handler], Handler]:
        return self.route("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Callable[[Handler], Handler]:
        return self.route("DELETE", path, **kwargs)


def json_response(data: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(body=orjson.dumps(data), status=status, content_type="application/json", headers=headers)


def validation_details(err: ValidationError) -> list[dict[str, Any]]:
    """Field errors without echoing the rejected input back (it may be a password)."""
    return [
        {"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]}
        for e in err.errors(include_url=False, include_input=False, include_context=False)
    ]


async def read_json(request: web.Request) -> Any:
    if not request.can_read_body:
        raise BadRequest("a JSON body is required")
    if request.content_type not in ("application/json", ""):
        raise BadRequest(f"expected Content-Type application/json, got {request.content_type}")
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge as err:
        raise PayloadTooLarge(
            f"the body is over the limit of {request.app[keys.SETTINGS].max_body_bytes} bytes"
        ) from err
    except web.RequestPayloadError as err:
        encoding = request.headers.get("Content-Encoding", "none")
        raise BadRequest(f"the body could not be read (is it really Content-Encoding: {encoding}?)") from err
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as err:
        raise BadRequest(f"malformed JSON: {err}") from err


def nul_locations(data: Any) -> list[list[str | int]]:
    """Where strings (keys included) hold a NUL character; iterative, as JSON may nest deeper than the stack."""
    found: list[list[str | int]] = []
    stack: list[tuple[list[str | int], Any]] = [([], data)]
    while stack:
        loc, value = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                found.append(loc)
        elif isinstance(value, dict):
            for key, item in value.items():
                if "\x00" in key:
                    found.append([*loc, key])
                stack.append(([*loc, key], item))
        elif isinstance(value, list):
            stack.extend(([*loc, index], item) for index, item in enumerate(value))
    return found


def parse_model(model: type[BaseModel], data: Any, *, where: str) -> BaseModel:
    # PostgreSQL cannot store NUL in text and SQLite can: refused here, both stores answer alike.
    if nul := nul_locations(data):
        details = [{"loc": loc, "msg": "contains a NUL character", "type": "nul_character"} for loc in nul[:20]]
        raise Invalid(f"invalid {where}: text cannot contain NUL characters", details=details)
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise Invalid(f"invalid {where}", details=validation_details(err)) from err


def _wrap(endpoint: Endpoint) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def view(request: web.Request) -> web.StreamResponse:
        if endpoint.auth:
            caller = request.get(keys.CALLER)
            if caller is None:
                raise Unauthorized("sign in first: send Authorization: Bearer <token>")
            if not caller.allows(endpoint.scope):
                raise Forbidden(f"this token lacks the '{endpoint.scope}' scope")
        if any("\x00" in value for value in request.match_info.values()):
            raise NotFound("no such resource: ids never contain NUL characters")
        kwargs: dict[str, Any] = {}
        if endpoint.query is not None:
            kwargs["query"] = parse_model(endpoint.query, dict(request.query), where="query parameters")
        if endpoint.body is not None:
            kwargs["body"] = parse_model(endpoint.body, await read_json(request), where="body")
        result = await endpoint.handler(request, **kwargs)
        if isinstance(result, web.StreamResponse):
            return result
        if result is None:
            return web.Response(status=204)
        if isinstance(result, BaseModel):
            return json_response(result.model_dump(mode="json"), status=endpoint.status)
        return json_response(result, status=endpoint.status)

    view.__name__ = endpoint.handler.__name__
    return view


class Api:
    """All endpoints of the service; registers them and builds ``/api/openapi.json`` from them."""

    def __init__(self, *, title: str, version: str) -> None:
        self.title = title
        self.version = version
        self.endpoints: list[Endpoint] = []

    def include(self, *groups: Routes) -> None:
        for group in groups:
            self.endpoints.extend(group.endpoints)

    def register(self, app: web.Application) -> None:
        for endpoint in self.endpoints:
            app.router.add_route(endpoint.method, endpoint.path, _wrap(endpoint), name=endpoint.handler.__name__)

    def openapi(self) -> dict[str, Any]:
        return build_openapi(self.title, self.version, self.endpoints)


def _models(endpoints: Iterable[Endpoint]) -> list[tuple[type[BaseModel], Literal["validation", "serialization"]]]:
    seen: dict[tuple[type[BaseModel], str], None] = {(ErrorResponse, "serialization"): None}
    for e in endpoints:
        if e.body is not None:
            seen[(e.body, "validation")] = None
        if e.response is not None:
            seen[(e.response, "serialization")] = None
    return [(m, mode) for (m, mode) in seen]  # type: ignore[misc]


def build_openapi(title: str, version: str, endpoints: Sequence[Endpoint]) -> dict[str, Any]:
    keyed, defs = models_json_schema(_models(endpoints), ref_template="#/components/schemas/{model}")
    schemas: dict[str, Any] = dict(defs.get("$defs", {}))

    def ref(model: type[BaseModel], mode: str) -> dict[str, Any]:
        return keyed[(model, mode)]  # type: ignore[index]

    paths: dict[str, dict[str, Any]] = {}
    for e in endpoints:
        params: list[dict[str, Any]] = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in _PATH_PARAM.findall(e.path)
        ]
        if e.query is not None:
            query_schema = e.query.model_json_schema(ref_template="#/components/schemas/{model}")
            required = set(query_schema.get("required", ()))
            for name, prop in query_schema.get("properties", {}).items():
                params.append({"name": name, "in": "query", "required": name in required, "schema": prop})
        op: dict[str, Any] = {
            "operationId": e.handler.__name__,
            "summary": e.summary,
            "tags": list(e.tags),
            "parameters": params,
            "responses": {},
        }
        description = "\n".join((e.handler.__doc__ or "").strip().splitlines()[1:]).strip()
        if description:
            op["description"] = description
        if e.body is not None:
            op["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": ref(e.body, "validation")}},
            }
        if e.response is not None:
            op["responses"][str(e.status)] = {
                "description": "OK",
                "content": {"application/json": {"schema": ref(e.response, "serialization")}},
            }
        else:
            op["responses"][str(e.status)] = {"description": "Done"}
        error_ref = ref(ErrorResponse, "serialization")
        statuses = set(e.errors)
        if e.body is not None or e.query is not None:
            statuses |= {400, 422}
        if e.body is not None:
            statuses.add(413)
        if e.auth:
            statuses |= {401, 403}
            op["security"] = [{"bearerAuth": []}]
        else:
            op["security"] = []
        for status in sorted(statuses):
            op["responses"][str(status)] = {
                "description": _ERROR_STATUSES.get(status, "Error"),
                "content": {"application/json": {"schema": error_ref}},
            }
        paths.setdefault(e.path, {})[e.method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }
