"""Base classes for request and response bodies, the error shape and cursor pagination."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

T = TypeVar("T")


def storable(value: datetime) -> datetime:
    """An aware time in UTC (naive ones are left as they are): the database driver would otherwise convert it
    itself, and overflow on an offset that moves it past year 9999 or before year 1."""
    if value.tzinfo is None:
        return value
    try:
        return value.astimezone(UTC)
    except OverflowError as err:
        raise ValueError("out of range once converted to UTC (years 1 to 9999)") from err


StorableDatetime = Annotated[datetime, AfterValidator(storable)]
"""A time in a request: an aware one comes out in UTC."""


class Input(BaseModel):
    """A request body or query: unknown fields are refused so typos do not pass silently."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False, frozen=True)


class Output(BaseModel):
    """A response body, built from domain objects or rows."""

    model_config = ConfigDict(from_attributes=True)


class ErrorBody(Output):
    code: str = Field(description="Stable machine-readable code, e.g. `invalid` or `rate_limited`.")
    message: str = Field(description="What went wrong, for a human.")
    details: Any = Field(default=None, description="Field errors or other specifics, when there are any.")


class ErrorResponse(Output):
    """The one error shape of the API."""

    error: ErrorBody


class PageQuery(Input):
    cursor: str | None = Field(default=None, max_length=200, description="`next_cursor` of the previous page.")
    limit: int = Field(default=50, ge=1, le=200)


class Page(Output, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(default=None, description="Pass as `cursor` for the next page; null at the end.")
