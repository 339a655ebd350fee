"""The fuzzers' own strategies: what they call fitting fits the schema, and what they call a wrong type does not."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from backend.app import build_api
from backend.hub.connection import command_schema
from tests.fuzz import budget
from tests.fuzz.schemas import SchemaStrategies

OPENAPI = build_api().openapi()
HUB = command_schema()


def _cases() -> list[tuple[str, Mapping[str, Any], Mapping[str, Any], str]]:
    """(name, schema, components, where refs point) for every request body and every hub command."""
    bodies = {
        op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        for path in OPENAPI["paths"].values()
        for op in path.values()
        if "requestBody" in op
    }
    http = [
        (ref.rsplit("/", 1)[1], {"$ref": ref}, OPENAPI["components"]["schemas"], "#/components/schemas/")
        for ref in bodies
    ]
    hub = [(ref["$ref"].rsplit("/", 1)[1], ref, HUB["$defs"], "#/$defs/") for ref in HUB["anyOf"]]
    return sorted(http + hub, key=lambda case: case[0])


CASES = _cases()


def validator(schema: Mapping[str, Any], components: Mapping[str, Any], prefix: str) -> Draft202012Validator:
    root = {"components": {"schemas": components}} if prefix.startswith("#/components") else {"$defs": components}
    registry: Registry[Any] = Registry().with_resource("urn:root", Resource.from_contents(root, DRAFT202012))
    return Draft202012Validator({"$ref": "urn:root" + schema["$ref"]}, registry=registry)


def test_every_body_and_command_is_covered() -> None:
    names = {name for name, *_ in CASES}
    assert {"ProjectIn", "RegisterIn", "ActivitySnapshot", "Hello"} <= names
    assert len(names) == len(CASES)


@pytest.mark.parametrize(("name", "schema", "components", "prefix"), CASES, ids=[c[0] for c in CASES])
def test_fitting_values_fit(name: str, schema: Any, components: Any, prefix: str) -> None:
    check = validator(schema, components, prefix)

    @budget.fuzzed(10)
    @given(value=SchemaStrategies(components).valid(schema))
    def fits(value: Any) -> None:
        errors = [e.message for e in check.iter_errors(value)]
        assert not errors, (name, value, errors)

    fits()


@pytest.mark.parametrize(("name", "schema", "components", "prefix"), CASES, ids=[c[0] for c in CASES])
def test_wrong_types_do_not_fit(name: str, schema: Any, components: Any, prefix: str) -> None:
    check = validator(schema, components, prefix)
    strategies = SchemaStrategies(components)
    resolved = strategies.resolve(schema)
    fields = {n: p for n, p in resolved.get("properties", {}).items() if strategies.wrong_types(p)}

    @budget.fuzzed(10)
    @given(data=st.data())
    def misfits(data: st.DataObject) -> None:
        assert not check.is_valid(data.draw(strategies.wrong_type(schema)))
        if fields:
            base = data.draw(strategies.valid(schema))
            field = data.draw(st.sampled_from(sorted(fields)))
            assert not check.is_valid({**base, field: data.draw(strategies.wrong_type(fields[field]))}), field

    misfits()
