"""Hypothesis strategies from the JSON Schema pydantic emits: values that fit, and values that almost fit."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

Schema = Mapping[str, Any]
_REF_PREFIXES = ("#/components/schemas/", "#/$defs/")
_JSON_TYPES = ("null", "boolean", "integer", "number", "string", "array", "object")
# Generated strings and lists stay short unless the schema demands more: long ones come from `huge_string`.
_MAX_TEXT = 40
_MAX_ITEMS = 4

# Characters that broke something somewhere once: NUL (PostgreSQL text), U+FDFA (NFKC makes it 18 characters),
# bidi overrides, BOM, the last code point, quotes, separators, CR/LF.
TRICKY = ("\x00", "\ufdfa", "\u202e", "\ufeff", "\U0010ffff", "😀", "é", "'", '"', "\\", "%", "/", "\r", "\n", " ")


def alphabet(nul: bool) -> st.SearchStrategy[str]:
    """Everything UTF-8 can carry (no lone surrogates), the tricky characters made common; NUL only if asked,
    as Hypothesis favours it (code point 0) and every request would otherwise stop at the NUL check."""
    if nul:
        return st.one_of(st.characters(codec="utf-8"), st.sampled_from(TRICKY))
    tricky = tuple(c for c in TRICKY if c != "\x00")
    return st.one_of(st.characters(codec="utf-8", exclude_characters="\x00"), st.sampled_from(tricky))


CHARACTERS = alphabet(nul=True)
TEXT = st.text(CHARACTERS, max_size=_MAX_TEXT)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    TEXT,
)
BIG_INTEGERS = tuple(sign * n for n in (2**31, 2**53 + 1, 2**63, 2**64, 2**70) for sign in (1, -1))
# Any offset a client may write; near the ends of the calendar some move the time out of it in UTC.
OFFSETS = st.one_of(st.sampled_from([-720, -1, 1, 330, 840]), st.integers(-1439, 1439)).map(
    lambda m: timezone(timedelta(minutes=m))
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=_MAX_ITEMS) | st.dictionaries(TEXT, inner, max_size=_MAX_ITEMS),
    max_leaves=12,
)


def huge_string(min_length: int = 0) -> st.SearchStrategy[str]:
    """One repeated character, far over any field's limit but cheap to generate."""
    lengths = st.sampled_from(sorted({min_length + 1, 5_000, 70_000}))
    return st.builds(lambda ch, n: ch * n, st.sampled_from(["a", "é", "\x00", "😀", " "]), lengths)


class SchemaStrategies:
    """Strategies for the schemas of one document, whose ``$ref`` point at ``components``."""

    def __init__(self, components: Schema, *, nul: bool = False) -> None:
        """``nul``: strings often hold a NUL character (one in three or so)."""
        self.components = components
        self.characters = alphabet(nul)
        # One tricky character in the middle of a string; NUL most often when asked for.
        self.spice = st.sampled_from((("\x00",) * 6 if nul else ()) + tuple(c for c in TRICKY if c != "\x00"))

    def resolve(self, schema: Schema) -> Schema:
        while "$ref" in schema:
            ref: str = schema["$ref"]
            name = next((ref[len(p) :] for p in _REF_PREFIXES if ref.startswith(p)), None)
            if name is None:
                raise ValueError(f"cannot follow {ref}")
            extra = {k: v for k, v in schema.items() if k != "$ref"}
            schema = {**self.components[name], **extra}
        return schema

    def types_of(self, schema: Schema) -> set[str]:
        """The JSON types a schema accepts (every type when it does not say)."""
        schema = self.resolve(schema)
        if "const" in schema or "enum" in schema:
            values = [schema["const"]] if "const" in schema else list(schema["enum"])
            return {_json_type(v) for v in values}
        alternatives = schema.get("anyOf") or schema.get("oneOf")
        if alternatives:
            return set().union(*(self.types_of(s) for s in alternatives))
        declared = schema.get("type")
        if declared is None:
            return set(_JSON_TYPES)
        return {declared} if isinstance(declared, str) else set(declared)

    def valid(self, schema: Schema) -> st.SearchStrategy[Any]:
        """Values the schema accepts."""
        schema = self.resolve(schema)
        if "const" in schema:
            return st.just(schema["const"])
        if "enum" in schema:
            return st.sampled_from(list(schema["enum"]))
        alternatives = schema.get("anyOf") or schema.get("oneOf")
        if alternatives:
            return st.one_of([self.valid(s) for s in alternatives])
        if "allOf" in schema:
            parts = schema["allOf"]
            if len(parts) != 1:
                raise ValueError("allOf with several parts is not generated")
            return self.valid(parts[0])
        declared = schema.get("type")
        if isinstance(declared, list):
            return st.one_of([self.valid({**schema, "type": t}) for t in declared])
        return self._of_type(declared, schema)

    def _of_type(self, declared: str | None, schema: Schema) -> st.SearchStrategy[Any]:
        if declared is None:
            return JSON_VALUES
        if declared == "null":
            return st.none()
        if declared == "boolean":
            return st.booleans()
        if declared == "integer":
            low, high = schema.get("minimum"), schema.get("maximum")
            if low is not None and high is not None:
                return st.integers(low, high)  # Hypothesis tries the bounds itself
            # Unbounded: numbers past what storage and JSON writers take, which Hypothesis seldom reaches.
            big = [n for n in BIG_INTEGERS if (low is None or n >= low) and (high is None or n <= high)]
            return st.one_of(st.integers(low, high), st.sampled_from(big))
        if declared == "number":
            return st.floats(schema.get("minimum"), schema.get("maximum"), allow_nan=False, allow_infinity=False)
        if declared == "string":
            return self._string(schema)
        if declared == "array":
            items = self.valid(schema.get("items", {}))
            low = schema.get("minItems", 0)
            high = min(schema.get("maxItems", low + _MAX_ITEMS), low + _MAX_ITEMS)
            unique = schema.get("uniqueItems", False)
            return st.lists(items, min_size=low, max_size=high, unique_by=_freeze if unique else None)
        if declared == "object":
            return self._object(schema)
        raise ValueError(f"unknown type {declared!r}")

    def _string(self, schema: Schema) -> st.SearchStrategy[str]:
        low = schema.get("minLength", 0)
        high = schema.get("maxLength")
        fmt = schema.get("format")
        if fmt == "date-time":
            calendar_ends = st.builds(datetime.replace, st.sampled_from([datetime.min, datetime.max]), tzinfo=OFFSETS)
            return st.one_of(st.datetimes(timezones=OFFSETS), calendar_ends).map(lambda d: d.isoformat())
        if fmt == "date":
            return st.dates().map(lambda d: d.isoformat())
        if "pattern" in schema:
            pattern: str = schema["pattern"]
            matching = st.from_regex(pattern, fullmatch=True)
            return matching.filter(lambda s: low <= len(s) <= (high if high is not None else len(s)))
        capped = min(high, max(low, _MAX_TEXT)) if high is not None else max(low, _MAX_TEXT)
        exact_limit = st.just(high) if high is not None and high <= 10_000 else st.nothing()
        text = st.text(self.characters, min_size=low, max_size=capped)
        half = max(0, capped - 1) // 2
        spiced = st.builds(
            lambda a, c, b: a + c + b,
            st.text(self.characters, max_size=half),
            self.spice,
            st.text(self.characters, max_size=half),
        )
        if capped >= 1:
            text = st.one_of(text, spiced.filter(lambda s: len(s) >= low))
        # Strings exactly at the limit find off-by-one errors in columns and checks.
        at_limit = exact_limit.flatmap(lambda n: st.sampled_from(["x", "é", "😀"]).map(lambda c: c * n))
        return st.one_of(text, at_limit)

    def _object(self, schema: Schema) -> st.SearchStrategy[dict[str, Any]]:
        properties: Mapping[str, Schema] = schema.get("properties", {})
        required = set(schema.get("required", ()))
        fixed = {name: self.valid(p) for name, p in properties.items() if name in required}
        optional = {name: self.valid(p) for name, p in properties.items() if name not in required}
        base = st.fixed_dictionaries(fixed, optional=optional)
        extra = schema.get("additionalProperties", True)
        if extra is False or not isinstance(extra, Mapping):
            return base
        more = st.dictionaries(TEXT.filter(lambda k: k not in properties), self.valid(extra), max_size=2)
        return st.builds(lambda a, b: {**b, **a}, base, more)

    def wrong_types(self, schema: Schema) -> list[str]:
        """The JSON types the schema refuses (an integer is a number)."""
        accepted = self.types_of(schema)
        if "number" in accepted:
            accepted = accepted | {"integer"}
        return [t for t in _JSON_TYPES if t not in accepted]

    def wrong_type(self, schema: Schema) -> st.SearchStrategy[Any]:
        """A value of a JSON type the schema does not accept (nothing when it accepts every type)."""
        others = self.wrong_types(schema)
        return st.sampled_from(others).flatmap(_any_of_type) if others else st.nothing()

    def near_miss(self, schema: Schema) -> st.SearchStrategy[Any]:
        """An object the schema almost accepts: one field of the wrong type or too long, a field
        missing or unknown. Non-object schemas get a wrong-typed value."""
        schema = self.resolve(schema)
        if schema.get("type") != "object":
            return self.wrong_type(schema)
        properties: Mapping[str, Schema] = schema.get("properties", {})
        names = sorted(properties)
        valid = self._object(schema)
        mutations: list[st.SearchStrategy[dict[str, Any]]] = [
            st.builds(lambda v, k, x: {**v, k: x}, valid, TEXT.filter(lambda k: k not in properties), JSON_VALUES)
        ]
        if names:
            name = st.sampled_from(names)
            mutations.append(
                st.builds(lambda v, pair: {**v, pair[0]: pair[1]}, valid, name.flatmap(self._wrong_field(properties)))
            )
            mutations.append(
                st.builds(lambda v, pair: {**v, pair[0]: pair[1]}, valid, name.flatmap(self._huge_field(properties)))
            )
        if schema.get("required"):
            missing = st.sampled_from(sorted(schema["required"]))
            mutations.append(st.builds(lambda v, k: {n: x for n, x in v.items() if n != k}, valid, missing))
        return st.one_of(mutations)

    def _wrong_field(self, properties: Mapping[str, Schema]) -> Any:
        def pair(name: str) -> st.SearchStrategy[tuple[str, Any]]:
            return st.tuples(st.just(name), self.wrong_type(properties[name]))

        return pair

    def _huge_field(self, properties: Mapping[str, Schema]) -> Any:
        def pair(name: str) -> st.SearchStrategy[tuple[str, Any]]:
            schema = self.resolve(properties[name])
            return st.tuples(st.just(name), huge_string(schema.get("maxLength", 0)))

        return pair


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _any_of_type(name: str) -> st.SearchStrategy[Any]:
    return {
        "null": st.none(),
        "boolean": st.booleans(),
        "integer": st.integers(),
        "number": st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: not f.is_integer()),
        "string": TEXT,
        "array": st.lists(SCALARS, max_size=3),
        "object": st.dictionaries(TEXT, SCALARS, max_size=3),
    }[name]


def _freeze(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    return value
