"""The TypeScript target's types, derived from the descriptor schema: an interface for each
object type ProviderConfig uses, and ProviderConfig's own fields (some flattened or renamed,
the rest carried over in camelCase, so a field the schema gains appears in both targets)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from llm_registry.codegen.schema import generated_schema
from llm_registry.codegen.tsliterals import camel_case, ts_comment, ts_string

# Top-level descriptor fields that ProviderConfig spells its own way (flattened, renamed or
# derived); every other top-level field is carried over as it is, in camelCase.
FLATTENED = frozenset(
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


def ref_name(schema: dict[str, Any]) -> tuple[str | None, bool]:
    """(referenced $defs name, nullable) of a property schema."""
    nullable = False
    for option in schema.get("anyOf", [schema]):
        if option.get("type") == "null":
            nullable = True
        elif "$ref" in option:
            return option["$ref"].rsplit("/", 1)[-1], nullable
    return None, nullable


def _enum_union(literals: list[str]) -> str:
    return " | ".join(literals) if literals else "never"


def _type_source(schema: dict[str, Any], used: list[str]) -> str:
    """The TypeScript type of values the schema describes, noting the $defs it uses."""
    name, nullable = ref_name(schema)
    if name is not None:
        if name not in used:
            used.append(name)
            _interface_fields(name, used)  # notes the types it uses in turn
        return f"{name} | null" if nullable else name
    kind = schema.get("type")
    if "enum" in schema:
        return _enum_union([ts_string(str(option)) for option in schema["enum"]])
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
    definition = generated_schema()["$defs"][name]
    required = set(definition.get("required", ()))
    return tuple(
        _field(field, schema, field in required, used)
        for field, schema in definition["properties"].items()
    )


def _interfaces(used: list[str]) -> tuple[TsInterface, ...]:
    definitions = generated_schema()["$defs"]
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
    schema = generated_schema()
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
        if name not in FLATTENED
    )
    return own + rest


def registry_types() -> tuple[tuple[TsInterface, ...], tuple[TsField, ...]]:
    """(the interfaces ProviderConfig uses, ProviderConfig's fields)."""
    used: list[str] = []
    fields = _provider_config_fields(used)
    return _interfaces(used), fields
