"""The operations of an OpenAPI 3.1 document, and checks of responses against what it declares."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

_DOCUMENT_URI = "urn:tandem:openapi"
_PATH_PARAM = re.compile(r"{(\w+)}")


@dataclass(frozen=True)
class Parameter:
    name: str
    required: bool
    schema: Mapping[str, Any]


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    operation_id: str
    path_params: tuple[str, ...]
    query: tuple[Parameter, ...]
    body: Mapping[str, Any] | None
    """The request body's schema, when the operation takes one."""
    responses: Mapping[str, Any]
    secured: bool

    @property
    def success(self) -> int:
        return min(int(status) for status in self.responses if status.startswith("2"))

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def operations(document: Mapping[str, Any]) -> list[Operation]:
    """Every operation of the document, in document order."""
    found: list[Operation] = []
    for path, methods in document["paths"].items():
        for method, op in methods.items():
            params = op.get("parameters", [])
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            found.append(
                Operation(
                    method=method.upper(),
                    path=path,
                    operation_id=op["operationId"],
                    path_params=tuple(_PATH_PARAM.findall(path)),
                    query=tuple(
                        Parameter(p["name"], p.get("required", False), p.get("schema", {}))
                        for p in params
                        if p["in"] == "query"
                    ),
                    body=body,
                    responses=op["responses"],
                    secured=bool(op.get("security")),
                )
            )
    return found


class ResponseSchemas:
    """Validates response bodies against the schemas the document declares for them."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        resource: Resource[Any] = Resource.from_contents(dict(document), default_specification=DRAFT202012)
        self._registry: Registry[Any] = Registry().with_resource(_DOCUMENT_URI, resource)
        self._validators: dict[str, Draft202012Validator] = {}

    def errors(self, operation: Operation, status: int, body: Any) -> list[str]:
        """Why ``body`` does not fit the schema declared for ``status`` (empty when it fits or none is declared)."""
        declared = operation.responses.get(str(status), {})
        schema = declared.get("content", {}).get("application/json", {}).get("schema")
        if schema is None:
            return []
        ref = schema["$ref"]
        validator = self._validators.get(ref)
        if validator is None:
            validator = Draft202012Validator(
                {"$ref": _DOCUMENT_URI + ref}, registry=self._registry, format_checker=FormatChecker()
            )
            self._validators[ref] = validator
        return [f"{'/'.join(map(str, e.absolute_path)) or '<body>'}: {e.message}" for e in validator.iter_errors(body)]
