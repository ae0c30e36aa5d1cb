"""The TypeScript target's IR: the registry lowered into what registry.ts needs, every value
already escaped for TypeScript (by tsliterals) and the types derived from the schema (by
tstypes). Values are converted by walking the schema, as the Python IR does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from llm_registry.codegen.ir import ProviderIR, RegistryIR
from llm_registry.codegen.schema import generated_schema
from llm_registry.codegen.tsliterals import camel_case, ts_number, ts_string
from llm_registry.codegen.tstypes import FLATTENED, TsField, TsInterface, ref_name, registry_types
from llm_registry.runtime._context import BUILTIN_CONTEXT_LIMIT_PATTERNS
from llm_registry.runtime._rules import MODEL_ID_SEPARATOR


@dataclass(frozen=True)
class TsObject:
    """An object literal: (key source, value) pairs in order."""

    items: tuple[tuple[str, TsValue], ...]


@dataclass(frozen=True)
class TsArray:
    items: tuple[TsValue, ...]


TsValue = str | TsObject | TsArray  # str: a literal's TypeScript source


@dataclass(frozen=True)
class TsProvider:
    id: str
    key: str  # the id as a string literal
    requires_api_key: bool
    config: TsObject
    model_ids: tuple[str, ...]  # "<provider>::<model>" literals


@dataclass(frozen=True)
class TsRegistryIR:
    providers: tuple[TsProvider, ...]  # in display order
    interfaces: tuple[TsInterface, ...]  # the schema's object types ProviderConfig uses
    provider_config_fields: tuple[TsField, ...]
    key_forms: TsArray
    builtin_patterns: TsArray
    whitespace_class: str  # a regular expression character class (u flag)


# --- Values ---------------------------------------------------------------------------------


Converter = Callable[[Any], TsValue]


@cache
def _converter_for(path: str) -> Converter:
    """A converter for the schema node at a JSON pointer, built once per node."""
    node: Any = generated_schema()
    for part in path.split("/")[1:]:
        node = node[part]
    return _build_converter(node, path)


def _build_converter(schema: dict[str, Any], path: str) -> Converter:
    name, _ = ref_name(schema)
    kind = schema.get("type")
    if name is not None:
        return _object_converter(name)
    if kind == "array":
        items = _converter_for(f"{path}/items")
        return lambda value: TsArray(tuple(items(item) for item in value))
    if kind == "object":
        # A mapping: its values are strings unless the schema says what they are.
        entries = (
            _converter_for(f"{path}/additionalProperties")
            if isinstance(schema.get("additionalProperties"), dict)
            else ts_string
        )
        return lambda value: TsObject(
            tuple((ts_string(key), entries(item)) for key, item in value.items())
        )
    if kind in ("number", "integer"):
        integer = kind == "integer"
        return lambda value: ts_number(value, integer=integer)
    if kind == "boolean":
        return lambda value: "true" if value else "false"
    return ts_string


def _object_converter(name: str) -> Converter:
    properties = generated_schema()["$defs"][name]["properties"]
    fields = [
        (camel_case(field), _converter_for(f"#/$defs/{name}/properties/{field}"), field)
        for field in properties
    ]
    return lambda value: TsObject(
        tuple(
            (key, "null" if value.get(field) is None else convert(value[field]))
            for key, convert, field in fields
        )
    )


def _top_level(field: str, value: Any) -> TsValue:
    return "null" if value is None else _converter_for(f"#/properties/{field}")(value)


def _provider(provider: ProviderIR) -> TsProvider:
    value = provider.value
    api_key = value["api_key"] or {}
    config = (
        ("id", ts_string(provider.id)),
        ("displayName", ts_string(value["display_name"])),
        ("baseUrl", ts_string(value["base_url"])),
        ("apiKeyField", _nullable_string(api_key.get("env"))),
        ("apiKeyPlaceholder", _nullable_string(api_key.get("placeholder"))),
        ("apiKeyUrl", _nullable_string(api_key.get("url"))),
        ("logo", _logo(provider.logo)),
        (
            "contextLimitPatterns",
            _top_level("context_limit_patterns", value["context_limit_patterns"]),
        ),
        ("supportsModelDiscovery", "true" if value["discovery"]["dialect"] != "none" else "false"),
        ("defaultModels", _top_level("default_models", value["default_models"])),
    )
    rest = tuple(
        (camel_case(field), _top_level(field, value.get(field)))
        for field in generated_schema()["properties"]
        if field not in FLATTENED
    )
    model_ids = tuple(
        ts_string(f"{provider.id}{MODEL_ID_SEPARATOR}{model['id']}")
        for model in value["default_models"]
    )
    return TsProvider(
        provider.id,
        ts_string(provider.id),
        provider.requires_api_key,
        TsObject(config + rest),
        model_ids,
    )


def _nullable_string(text: str | None) -> str:
    return "null" if text is None else ts_string(text)


def _logo(logo: dict[str, Any]) -> TsObject:
    return TsObject(
        (
            ("file", ts_string(logo["svg"])),
            ("invertInDarkMode", "true" if logo["invert_in_dark_mode"] else "false"),
            ("monogram", "true" if logo["monogram"] else "false"),
        )
    )


def _key_form(form: dict[str, Any]) -> TsObject:
    """One entry of the key-form spec; ``variables`` (the extra fields of a templated base
    URL) is null for a provider without any, as an absent field is everywhere else."""
    fields = tuple(
        (camel_case(key), _nullable_string(item))
        for key, item in form.items()
        if key != "variables"
    )
    variables = form.get("variables")
    listed: TsValue = (
        "null"
        if variables is None
        else TsArray(
            tuple(
                TsObject(tuple((camel_case(k), _nullable_string(v)) for k, v in variable.items()))
                for variable in variables
            )
        )
    )
    return TsObject((*fields, ("variables", listed)))


@cache
def whitespace_class() -> str:
    """A character class matching what Python's str.isspace matches, so that the TypeScript
    parseModelId refuses exactly the ids the runtime refuses (JavaScript's \\s differs: it
    has U+FEFF and lacks U+001C..U+001F and U+0085). No code point above U+3000 is whitespace."""
    points = [code for code in range(0x3001) if chr(code).isspace()]
    ranges: list[list[int]] = []
    for code in points:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    parts = (
        f"\\u{{{low:x}}}" if low == high else f"\\u{{{low:x}}}-\\u{{{high:x}}}"
        for low, high in ranges
    )
    return "[" + "".join(parts) + "]"


def build_ts_ir(registry: RegistryIR) -> TsRegistryIR:
    interfaces, fields = registry_types()
    return TsRegistryIR(
        providers=tuple(_provider(provider) for provider in registry.providers),
        interfaces=interfaces,
        provider_config_fields=fields,
        key_forms=TsArray(
            tuple(_key_form(p.key_form) for p in registry.providers if p.key_form is not None)
        ),
        builtin_patterns=TsArray(tuple(ts_string(p) for p in BUILTIN_CONTEXT_LIMIT_PATTERNS)),
        whitespace_class=whitespace_class(),
    )
