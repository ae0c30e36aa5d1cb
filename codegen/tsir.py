"""The TypeScript target's IR: the registry lowered into what registry.ts needs, every value
already escaped for TypeScript.

Strings become JSON string literals (valid JavaScript since ES2019) with U+2028, U+2029 and
lone surrogates spelled as escapes, so a value survives any older parser, a bundler that
inlines it into a <script>, and UTF-8 encoding. Descriptions go into /** */ comments with
their `*/` broken. Types are derived from the descriptor schema, values by walking the schema
like the Python IR does, so a field the schema gains appears in both targets.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from llm_registry.codegen.ir import ProviderIR, RegistryIR
from llm_registry.codegen.schema import descriptor_schema
from llm_registry.runtime._context import BUILTIN_CONTEXT_LIMIT_PATTERNS
from llm_registry.runtime._rules import MODEL_ID_SEPARATOR

# Top-level descriptor fields that ProviderConfig spells its own way (flattened, renamed or
# derived); every other top-level field is carried over as it is, in camelCase.
_FLATTENED = frozenset(
    {
        "id",
        "display_name",
        "base_url",
        "api_key",
        "logo",
        "context_limit_patterns",
        "default_models",
    }
)
# Characters a JavaScript parser or an HTML inliner may treat as line or script boundaries.
_UNSAFE_IN_LITERAL = re.compile("[\u2028\u2029\ud800-\udfff]")


@dataclass(frozen=True)
class TsObject:
    """An object literal: (key source, value) pairs in order."""

    items: tuple[tuple[str, TsValue], ...]


@dataclass(frozen=True)
class TsArray:
    items: tuple[TsValue, ...]


TsValue = str | TsObject | TsArray  # str: a literal's TypeScript source


@dataclass(frozen=True)
class TsField:
    name: str
    type_source: str
    doc: str | None  # comment text, already safe inside /** */


@dataclass(frozen=True)
class TsInterface:
    name: str
    doc: str | None
    fields: tuple[TsField, ...]


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
    logos: TsObject
    builtin_patterns: TsArray
    whitespace_class: str  # a regular expression character class (u flag)


def ts_string(text: str) -> str:
    """A TypeScript string literal holding exactly text."""
    literal = json.dumps(text, ensure_ascii=False)
    return _UNSAFE_IN_LITERAL.sub(lambda match: f"\\u{ord(match.group()):04x}", literal)


def ts_number(value: float | int, *, integer: bool) -> str:
    """A number literal: repr's spelling is valid JavaScript for every finite float."""
    return str(int(value)) if integer else repr(float(value))


def ts_comment(text: str) -> str:
    """Text for a /** */ comment: `*/` would end it early."""
    return text.replace("*/", "*\\/")


def camel_case(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _union(literals: list[str]) -> str:
    return " | ".join(literals) if literals else "never"


# --- Types from the schema ----------------------------------------------------------------


def _ref_name(schema: dict[str, Any]) -> tuple[str | None, bool]:
    """(referenced $defs name, nullable) of a property schema."""
    nullable = False
    for option in schema.get("anyOf", [schema]):
        if option.get("type") == "null":
            nullable = True
        elif "$ref" in option:
            return option["$ref"].rsplit("/", 1)[-1], nullable
    return None, nullable


def _type_source(schema: dict[str, Any], used: list[str]) -> str:
    """The TypeScript type of values the schema describes, noting the $defs it uses."""
    name, nullable = _ref_name(schema)
    if name is not None:
        if name not in used:
            used.append(name)
            _interface_fields(name, used)  # notes the types it uses in turn
        return f"{name} | null" if nullable else name
    kind = schema.get("type")
    if "enum" in schema:
        return _union([ts_string(str(option)) for option in schema["enum"]])
    if kind == "array":
        item = _type_source(schema["items"], used)
        return f"readonly ({item})[]" if " " in item else f"readonly {item}[]"
    if kind == "object":
        value = _type_source(schema.get("additionalProperties") or {"type": "string"}, used)
        return f"{{ readonly [name: string]: {value} }}"
    return {"integer": "number", "number": "number", "boolean": "boolean"}.get(str(kind), "string")


def _field(name: str, schema: dict[str, Any], required: bool, used: list[str]) -> TsField:
    type_source = _type_source(schema, used)
    if not required and not type_source.endswith("| null"):
        type_source += " | null"  # absent in the YAML: null, as None in the Python target
    description = schema.get("description")
    return TsField(camel_case(name), type_source, ts_comment(description) if description else None)


def _interface_fields(name: str, used: list[str]) -> tuple[TsField, ...]:
    definition = descriptor_schema()["$defs"][name]
    required = set(definition.get("required", ()))
    return tuple(
        _field(field, schema, field in required, used)
        for field, schema in definition["properties"].items()
    )


def _interfaces(used: list[str]) -> tuple[TsInterface, ...]:
    definitions = descriptor_schema()["$defs"]
    return tuple(
        TsInterface(
            name,
            ts_comment(definitions[name]["description"])
            if "description" in definitions[name]
            else None,
            _interface_fields(name, []),
        )
        for name in used
    )


def _provider_config_fields(used: list[str]) -> tuple[TsField, ...]:
    schema = descriptor_schema()
    required = set(schema["required"])
    own = (
        TsField("id", "ProviderName", "The provider's registry id: the part before `::`."),
        TsField("displayName", "string", "Name shown to users."),
        TsField("baseUrl", "string", "API root that endpoint paths are appended to."),
        TsField(
            "apiKeyField",
            "string | null",
            "Environment variable holding the key; null for keyless local servers.",
        ),
        TsField("apiKeyPlaceholder", "string | null", "Placeholder for the empty key field."),
        TsField("apiKeyUrl", "string | null", "Page where users create a key."),
        TsField("logo", "ProviderLogo", "The logo file (relative to this folder) and its hints."),
        TsField(
            "contextLimitPatterns",
            "readonly string[]",
            "Case-insensitive substrings meaning the prompt overflowed the context window.",
        ),
        TsField(
            "supportsModelDiscovery", "boolean", "Whether the provider's models can be listed."
        ),
        _field("default_models", schema["properties"]["default_models"], True, used),
    )
    rest = tuple(
        _field(name, field_schema, name in required, used)
        for name, field_schema in schema["properties"].items()
        if name not in _FLATTENED
    )
    return own + rest


# --- Values ---------------------------------------------------------------------------------


Converter = Callable[[Any], TsValue]


@cache
def _converter_for(path: str) -> Converter:
    """A converter for the schema node at a JSON pointer, built once per node."""
    node: Any = descriptor_schema()
    for part in path.split("/")[1:]:
        node = node[part]
    return _build_converter(node, path)


def _build_converter(schema: dict[str, Any], path: str) -> Converter:
    name, _ = _ref_name(schema)
    kind = schema.get("type")
    if name is not None:
        return _object_converter(name)
    if kind == "array":
        items = _converter_for(f"{path}/items")
        return lambda value: TsArray(tuple(items(item) for item in value))
    if kind == "object":
        return lambda value: TsObject(
            tuple((ts_string(key), ts_string(item)) for key, item in value.items())
        )
    if kind in ("number", "integer"):
        integer = kind == "integer"
        return lambda value: ts_number(value, integer=integer)
    if kind == "boolean":
        return lambda value: "true" if value else "false"
    return ts_string


def _object_converter(name: str) -> Converter:
    properties = descriptor_schema()["$defs"][name]["properties"]
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
        for field in descriptor_schema()["properties"]
        if field not in _FLATTENED
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
    return TsObject(tuple((camel_case(key), _nullable_string(item)) for key, item in form.items()))


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
    used: list[str] = []
    fields = _provider_config_fields(used)
    return TsRegistryIR(
        providers=tuple(_provider(provider) for provider in registry.providers),
        interfaces=_interfaces(used),
        provider_config_fields=fields,
        key_forms=TsArray(
            tuple(_key_form(p.key_form) for p in registry.providers if p.key_form is not None)
        ),
        logos=TsObject(tuple((ts_string(p.id), _logo(p.logo)) for p in registry.providers)),
        builtin_patterns=TsArray(tuple(ts_string(p) for p in BUILTIN_CONTEXT_LIMIT_PATTERNS)),
        whitespace_class=whitespace_class(),
    )
