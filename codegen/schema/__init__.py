"""The descriptor JSON Schema, which is the compiler's own (not the registry's)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

SCHEMA_PATH = Path(__file__).parent / "provider.schema.json"


@cache
def schema_text() -> str:
    return SCHEMA_PATH.read_text(encoding="utf-8")


@cache
def descriptor_schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(schema_text())
    return loaded
