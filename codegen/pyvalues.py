"""Python values for descriptors: a value the schema describes, lowered into what a provider
module's source is built from (constructor calls, tuples, dicts and literals), every scalar
already spelled as Python source with black's choice of quotes.

The converters walk the descriptor schema once per schema node, so a large registry costs one
walk of the schema, not one per value; pysource lays the result out as black would.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from llm_registry.codegen.schema import NOT_GENERATED, descriptor_schema


@dataclass(frozen=True)
class PyCall:
    """A keyword-argument constructor call, e.g. Model(id="x", ...)."""

    class_name: str
    arguments: tuple[tuple[str, PyValue], ...]


@dataclass(frozen=True)
class PyList:
    """A sequence, emitted as a tuple literal (descriptors are immutable)."""

    items: tuple[PyValue, ...]


@dataclass(frozen=True)
class PyDict:
    items: tuple[tuple[str, PyValue], ...]  # (key source, value)


PyValue = str | PyCall | PyList | PyDict  # str: a literal's Python source


def python_literal(value: Any) -> str:
    """Python source for a scalar, as black writes it: repr (exact for str, int, float, bool
    and None), with black's preference for double quotes."""
    if isinstance(value, str):
        return _string_literal(value)
    if isinstance(value, (int, float, bool)) or value is None:
        return repr(value)
    raise TypeError(f"not a scalar: {value!r}")


@lru_cache(maxsize=65536)
def _string_literal(text: str) -> str:
    """repr's escapes with black's choice of quotes (black.strings.normalize_string_quotes):
    double quotes unless they need more backslashes than single quotes would."""
    single, double = text.count("'"), text.count('"')
    if not single and not double:
        return '"' + repr(text)[1:-1] + '"'
    if double and (not single or double > single):
        return repr(text)  # repr picks single quotes here, as black would keep them
    if single and not double:
        return repr(text)  # repr picks double quotes itself
    return '"' + "".join('\\"' if char == '"' else repr(char)[1:-1] for char in text) + '"'


def _resolve(schema: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """(dataclass name, schema) behind a $ref or a nullable anyOf."""
    root = descriptor_schema()
    for option in schema.get("anyOf", [schema]):
        if "$ref" in option:
            name = option["$ref"].rsplit("/", 1)[-1]
            return name, root["$defs"][name]
    return None, schema


Converter = Callable[[Any], PyValue]
_converters: dict[int, Converter] = {}


def _converter(schema: dict[str, Any]) -> Converter:
    """A function from a value the schema describes to its PyValue, built once per schema
    node so that large registries do not walk the schema again for every value."""
    key = id(schema)
    if key not in _converters:
        _converters[key] = _build_converter(schema)
    return _converters[key]


def _build_converter(schema: dict[str, Any]) -> Converter:
    class_name, resolved = _resolve(schema)
    kind = resolved.get("type")

    def nullable(convert: Converter) -> Converter:
        return lambda value: "None" if value is None else convert(value)

    if class_name is not None:
        return nullable(_class_converter(class_name, resolved))
    if kind == "array":
        items = resolved["items"]
        return nullable(lambda value: PyList(tuple(_converter(items)(item) for item in value)))
    if kind == "object" and "$ref" in resolved.get("additionalProperties", {}):
        # A mapping of names to descriptor objects (the base URL's variables).
        values = resolved["additionalProperties"]
        return nullable(
            lambda value: PyDict(
                tuple((python_literal(k), _converter(values)(v)) for k, v in value.items())
            )
        )
    if kind == "object":
        return nullable(
            lambda value: PyDict(
                tuple((python_literal(k), python_literal(v)) for k, v in value.items())
            )
        )
    if kind == "number":
        # The generated field is a float; an integer in YAML (`3`) becomes 3.0.
        return nullable(lambda value: python_literal(float(value)))
    if kind == "integer":
        # JSON Schema counts 131072.0 as an integer; the generated field is an int.
        return nullable(lambda value: python_literal(int(value)))
    return python_literal


def _class_converter(class_name: str, schema: dict[str, Any]) -> Callable[[dict[str, Any]], PyCall]:
    """A dataclass constructor for a value, arguments in the schema's property order."""
    fields = [
        (field, _converter(field_schema))
        for field, field_schema in schema["properties"].items()
        if field not in NOT_GENERATED
    ]
    return lambda value: PyCall(
        class_name,
        tuple((field, convert(value[field])) for field, convert in fields if field in value),
    )


def python_call(class_name: str, value: dict[str, Any], schema: dict[str, Any]) -> PyCall:
    """A dataclass constructor for value, arguments in the schema's property order."""
    return _class_converter(class_name, schema)(value)
