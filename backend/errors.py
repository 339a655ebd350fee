"""The one error vocabulary of the backend: domain exceptions that the edges map to HTTP and WebSocket codes."""

from __future__ import annotations

from typing import Any


class TandemError(Exception):
    """Base of every error a caller is meant to see; ``code`` is stable, ``message`` is for humans."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details


class Invalid(TandemError):
    """The request is well-formed JSON but its content is not acceptable."""

    status = 422
    code = "invalid"


class BadRequest(TandemError):
    """The request could not be read at all (malformed JSON, wrong content type)."""

    status = 400
    code = "bad_request"


class Unauthorized(TandemError):
    """No valid credentials: missing, malformed, expired or revoked token."""

    status = 401
    code = "unauthorized"


class Forbidden(TandemError):
    """The caller is known but their role does not allow this."""

    status = 403
    code = "forbidden"


class NotFound(TandemError):
    """The resource does not exist, or the caller may not know that it does."""

    status = 404
    code = "not_found"


class Conflict(TandemError):
    """The request clashes with the current state (duplicate, last owner, already accepted)."""

    status = 409
    code = "conflict"


class PayloadTooLarge(TandemError):
    """The body is over the configured limit."""

    status = 413
    code = "payload_too_large"


class RateLimited(TandemError):
    """Too many attempts; ``retry_after`` says in how many seconds to try again."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int, details: Any = None) -> None:
        super().__init__(message, details=details)
        self.retry_after = max(1, retry_after)


class Unavailable(TandemError):
    """A dependency is momentarily busy or away (SQLite's write lock held too long); try again shortly."""

    status = 503
    code = "unavailable"

    def __init__(self, message: str, *, retry_after: int = 1, details: Any = None) -> None:
        super().__init__(message, details=details)
        self.retry_after = max(1, retry_after)
