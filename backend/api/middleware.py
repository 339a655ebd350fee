"""Middleware: request ids, one mapping of errors to the JSON error shape, and caller identification."""

from __future__ import annotations

import logging
import secrets
import time

from aiohttp import web
from aiohttp.typedefs import Handler

from backend import keys
from backend.api.registry import json_response
from backend.errors import TandemError, Unauthorized
from tandem.logs import request_id_var

_LOG = logging.getLogger("tandem.http")


def error_body(code: str, message: str, details: object = None) -> dict[str, object]:
    return {"error": {"code": code, "message": message, "details": details}}


_HTTP_CODES = {
    404: ("not_found", "no such endpoint"),
    405: ("method_not_allowed", "method not allowed on this endpoint"),
    413: ("payload_too_large", "the body is over the size limit"),
}


@web.middleware
async def request_context(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Give every request an id (kept from ``X-Request-Id`` when sane), log it, and echo it back."""
    incoming = request.headers.get("X-Request-Id", "")
    request_id = incoming if 0 < len(incoming) <= 64 and incoming.isprintable() else secrets.token_hex(8)
    request[keys.REQUEST_ID] = request_id
    token = request_id_var.set(request_id)
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        if not response.prepared:
            response.headers["X-Request-Id"] = request_id
        return response
    finally:
        _LOG.info(
            "%s %s %s",
            request.method,
            request.path,
            status,
            extra={"status": status, "ms": round((time.perf_counter() - started) * 1000, 2)},
        )
        request_id_var.reset(token)


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn domain errors and aiohttp's HTTP errors into the one JSON error shape; log the unexpected."""
    try:
        return await handler(request)
    except TandemError as err:
        retry_after = getattr(err, "retry_after", None)
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
        if isinstance(err, Unauthorized):
            headers = {"WWW-Authenticate": 'Bearer realm="tandem"'}
        return json_response(error_body(err.code, err.message, err.details), status=err.status, headers=headers)
    except web.HTTPException as err:
        if err.status < 400:
            raise
        code, message = _HTTP_CODES.get(err.status, ("http_error", err.reason))
        headers = {k: v for k, v in err.headers.items() if k.lower() in ("allow", "retry-after")}
        return json_response(error_body(code, message), status=err.status, headers=headers)
    except Exception:  # noqa: BLE001 - the one broad except: whatever escaped the handlers is a bug, logged with its stack
        _LOG.exception("unhandled error in %s %s", request.method, request.path)
        return json_response(error_body("internal", "internal error; it has been logged"), status=500)


@web.middleware
async def identify(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Identify the caller from ``Authorization: Bearer``; views decide what the caller may do."""
    token = _bearer_token(request)
    if token is not None:
        request[keys.CALLER] = await request.app[keys.SERVICES].accounts.identify(token)
        # This frame lives as long as the request: a WebSocket's whole life. The token need not.
        del token
    return await handler(request)


def _bearer_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("the Authorization header must be 'Bearer <token>'")
    return token.strip()
