"""The descriptor JSON Schema, which is the compiler's own (not the registry's)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

SCHEMA_PATH = Path(__file__).parent / "provider.schema.json"

# Descriptor keys for the compiler alone, kept out of every generated target: the silences of
# plausibility warnings, and the error samples that prove the context-limit patterns; with
# the schema definitions only they use.
NOT_GENERATED = ("silence", "context_limit_examples")
NOT_GENERATED_DEFINITIONS = ("Silences", "ContextLimitExamples", "ErrorSample")


@cache
def schema_text() -> str:
    return SCHEMA_PATH.read_text(encoding="utf-8")


@cache
def descriptor_schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(schema_text())
    return loaded


@cache
def generated_schema() -> dict[str, Any]:
    """The schema the generated targets are built from: the descriptor schema without the keys
    only the compiler reads (NOT_GENERATED) and the definitions only they use."""
    schema: dict[str, Any] = json.loads(schema_text())
    for node in (schema, *schema["$defs"].values()):
        for key in NOT_GENERATED:
            node.get("properties", {}).pop(key, None)
    for definition in NOT_GENERATED_DEFINITIONS:
        del schema["$defs"][definition]
    return schema
