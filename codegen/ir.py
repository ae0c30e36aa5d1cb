"""The intermediate representation: validated descriptors lowered into what each output needs,
with every value already escaped for its target language.

Templates only place these strings; they never see a raw YAML value. That keeps escaping in
one place, where it can be tested: Python through repr (the values of provider modules are
built by codegen/pyvalues.py), SQL by doubling quotes, JSON through json.dumps.
"""

from __future__ import annotations

import json
import keyword
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from llm_registry.codegen.model_rules import model_status
from llm_registry.codegen.pyvalues import (
    PyCall,
    PyDict,
    PyList,
    PyValue,
    python_call,
    python_literal,
)
from llm_registry.codegen.schema import descriptor_schema
from llm_registry.codegen.validate import Descriptor
from llm_registry.runtime._rules import MODEL_ID_SEPARATOR

# Providers without a display_order follow every provider that has one.
_UNORDERED = 10**9


def module_name(provider_id: str) -> str:
    name = provider_id.replace("-", "_")
    return name + "_" if keyword.iskeyword(name) else name


# --- SQL --------------------------------------------------------------------------------


def sql_literal(value: Any) -> str:
    """An SQLite literal. Strings have quotes doubled; NUL never gets here (the loader refuses
    it)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("NUL cannot be stored in an SQL text literal")
        if not value.isprintable():
            # Line breaks and other control characters inside a literal would not survive
            # tools that translate newlines; spelled as UTF-8 hex they survive anything.
            return f"CAST(X'{value.encode('utf-8').hex().upper()}' AS TEXT)"
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"no SQL literal for {value!r}")


def per_token(per_million: float | int) -> Decimal:
    """USD per token from USD per million, exact in decimal (0.15 → 0.00000015, not 1.4999e-07)."""
    return Decimal(repr(per_million)).scaleb(-6)


# --- The whole registry -----------------------------------------------------------------


@dataclass(frozen=True)
class ProviderIR:
    id: str
    source: str  # e.g. "providers/acme.yaml"
    module_name: str
    id_source: str  # Python literal of the id
    display_name: str
    constructor: PyCall
    imports: tuple[str, ...]  # descriptor classes the constructor uses, sorted
    requires_api_key: bool
    sql_row: tuple[str, ...]
    model_sql_rows: tuple[tuple[str, ...], ...]
    key_form: dict[str, Any] | None
    logo: dict[str, Any]
    logo_svg: bytes
    value: dict[str, Any]  # the validated descriptor, for targets that lower it their own way


@dataclass(frozen=True)
class RegistryIR:
    providers: tuple[ProviderIR, ...]  # in display order
    model_sql_rows: tuple[tuple[str, ...], ...]  # every provider's models, in display order


def _sort_key(descriptor: Descriptor) -> tuple[int, str, str]:
    value = descriptor.value
    order = value.get("display_order")
    return (
        _UNORDERED if order is None else order,
        value["display_name"].casefold(),
        value["id"],
    )


def build_ir(descriptors: list[Descriptor]) -> RegistryIR:
    ordered = sorted(descriptors, key=_sort_key)
    providers = tuple(_provider_ir(descriptor, rank) for rank, descriptor in enumerate(ordered))
    model_rows = tuple(row for provider in providers for row in provider.model_sql_rows)
    return RegistryIR(providers, model_rows)


def _provider_ir(descriptor: Descriptor, rank: int) -> ProviderIR:
    value = descriptor.value
    provider_id: str = value["id"]
    api_key = value["api_key"]
    logo = value.get("logo") or {}
    logo_file = f"logos/{provider_id}.svg"
    constructor = python_call("ProviderDescriptor", value, descriptor_schema())
    provider_row = (
        provider_id,
        value["display_name"],
        value["base_url"],
        value["implementation"],
        api_key is not None,
        api_key["env"] if api_key else None,
        value["discovery"]["dialect"],
        rank,
    )
    key_form: dict[str, Any] | None = None
    if api_key is not None:
        key_form = {
            "provider_id": provider_id,
            "display_name": value["display_name"],
            "env": api_key["env"],
            "placeholder": api_key["placeholder"],
            "key_url": api_key["url"],
            "logo": logo_file,
        }
        variables = _key_form_variables(value.get("variables") or {})
        if variables:
            key_form["variables"] = variables
    return ProviderIR(
        id=provider_id,
        source=descriptor.source,
        module_name=module_name(provider_id),
        id_source=python_literal(provider_id),
        display_name=value["display_name"],
        constructor=constructor,
        imports=tuple(sorted(_class_names(constructor))),
        requires_api_key=api_key is not None,
        sql_row=tuple(sql_literal(item) for item in provider_row),
        model_sql_rows=tuple(
            _model_sql_row(provider_id, model) for model in value["default_models"]
        ),
        key_form=key_form,
        logo={
            "svg": logo_file,
            "invert_in_dark_mode": bool(logo.get("invert_in_dark_mode", False)),
            "monogram": descriptor.logo_svg is None,
        },
        logo_svg=descriptor.logo_svg or monogram_svg(value["display_name"]),
        value=value,
    )


def _key_form_variables(variables: dict[str, Any]) -> list[dict[str, Any]]:
    """The extra fields a key form shows for the base URL's variables, in declaration order."""
    return [
        {
            "name": name,
            "label": spec["label"],
            "placeholder": spec["placeholder"],
            "env": spec.get("env"),
            "default": spec.get("default"),
            "pattern": spec.get("pattern"),
        }
        for name, spec in variables.items()
    ]


def _class_names(value: PyValue) -> set[str]:
    if isinstance(value, PyCall):
        return {value.class_name}.union(
            *(_class_names(argument) for _, argument in value.arguments)
        )
    if isinstance(value, PyList):
        return set().union(*(_class_names(item) for item in value.items))
    if isinstance(value, PyDict):
        return set().union(*(_class_names(item) for _, item in value.items))
    return set()


def _model_sql_row(provider_id: str, model: dict[str, Any]) -> tuple[str, ...]:
    pricing = model.get("pricing") or {}
    status = model_status(model)
    replaced_by = model.get("replaced_by")
    row = (
        f"{provider_id}{MODEL_ID_SEPARATOR}{model['id']}",
        provider_id,
        model["id"],
        model["display_name"],
        bool(model.get("internal", False)),
        status != "active",
        json.dumps(model["attachments"], ensure_ascii=False),
        int(model["context_window"]),
        int(model["max_output_tokens"]),
        *(_price(pricing, key) for key in _SEEDED_PRICES),
        bool(model.get("tools", False)),
        "reasoning" in model,
        _tiers_json(pricing.get("tiers")),
        status,
        model.get("since"),
        None if replaced_by is None else f"{provider_id}{MODEL_ID_SEPARATOR}{replaced_by}",
    )
    return tuple(sql_literal(item) for item in row)


# Pricing keys in the order of the seed's price columns (see templates/seed.sql.jinja).
_SEEDED_PRICES = (
    "input_per_million",
    "output_per_million",
    "cache_read_per_million",
    "cache_write_per_million",
    "cache_write_1h_per_million",
    "reasoning_per_million",
)
# A tier's keys in the seed's JSON, and where each comes from.
_TIER_PRICES = (
    ("input", "input_per_million"),
    ("output", "output_per_million"),
    ("cache_read", "cache_read_per_million"),
    ("cache_write", "cache_write_per_million"),
)


def _price(pricing: dict[str, Any], key: str) -> Decimal | None:
    value = pricing.get(key)
    return None if value is None else per_token(value)


def _tiers_json(tiers: list[dict[str, Any]] | None) -> str | None:
    """Price tiers as the seed stores them: a JSON list of objects with above_input_tokens and
    USD per token, written as exact decimals (0.0000025, never 2.5e-06's float neighbours)."""
    if not tiers:
        return None
    objects = []
    for tier in tiers:
        fields = [f'"above_input_tokens": {int(tier["above_input_tokens"])}']
        fields += [
            f'"{name}": {format(per_token(tier[key]).normalize(), "f")}'
            for name, key in _TIER_PRICES
            if tier.get(key) is not None
        ]
        objects.append("{" + ", ".join(fields) + "}")
    return "[" + ", ".join(objects) + "]"


def monogram_svg(display_name: str) -> bytes:
    """A fallback logo: the name's initials in a circle."""
    words = [word for word in display_name.replace("(", " ").split() if word[:1].isalnum()]
    initials = "".join(word[0] for word in words[:2]).upper() or "?"
    text = initials.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="24" height="24">'
        '<circle cx="12" cy="12" r="11" fill="currentColor" opacity="0.15"/>'
        '<text x="12" y="16" text-anchor="middle" font-family="system-ui, sans-serif" '
        f'font-size="{10 if len(initials) > 1 else 12}" font-weight="600" fill="currentColor">'
        f"{text}</text>"
        "</svg>\n"
    ).encode()
