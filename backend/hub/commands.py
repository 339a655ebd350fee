"""Declares hub commands: each protocol message type is registered explicitly with the handler that serves it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from tandem.protocol import Command

if TYPE_CHECKING:
    from backend.hub.connection import Connection

C = TypeVar("C", bound=Command)
Result = dict[str, Any] | None
Handler = Callable[["Connection", Any], Awaitable[Result]]


class CommandRegistry:
    """Maps each command model to its handler; the connection dispatches through it."""

    def __init__(self) -> None:
        self._handlers: dict[type[Command], Handler] = {}

    def register(self, model: type[C], handler: Callable[[Connection, C], Awaitable[Result]]) -> None:
        if model in self._handlers:
            raise ValueError(f"{model.__name__} is registered twice")
        self._handlers[model] = handler

    def handler_for(self, command: Command) -> Handler | None:
        return self._handlers.get(type(command))

    def __contains__(self, model: type[Command]) -> bool:
        return model in self._handlers
