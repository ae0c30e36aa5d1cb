"""Any Unicode a descriptor can hold comes back exactly from every output:
the Python import, the JSON files and the SQLite seed."""

from __future__ import annotations

import importlib
import itertools
import json
import sqlite3
import sys
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llm_registry.codegen.pipeline import compile_registry
from llm_registry.codegen.writer import write_tree
from tests.codegen.conftest import ACME

# Everything the loader accepts: no lone surrogates (not UTF-8), no control characters but tab
# and line breaks, no bidirectional controls or line separators (they change how text shows).
_REFUSED = "\u2028\u2029\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
descriptor_text = st.text(
    alphabet=st.characters(
        exclude_categories=("Cs", "Cc"), exclude_characters=_REFUSED, include_characters="\t\n"
    ),
    min_size=1,
    max_size=40,
)
# Display names are shown on one line: no tab or line break either.
display_text = st.text(
    alphabet=st.characters(exclude_categories=("Cs", "Cc"), exclude_characters=_REFUSED),
    min_size=1,
    max_size=40,
)
NASTY = [
    "Acme \"quoted\" 'single' \\backslash",
    "{{ jinja }} {% raw %} ${shell}",
    "'); DROP TABLE models; --",
    "</script><script>alert(1)</script>",
    "emoji 🦙🤖 and ZWJ 👩‍💻, Hebrew שלום and Arabic مرحبا",
]
_counter = itertools.count()


def yaml_string(text: str) -> str:
    """A YAML double-quoted scalar that escapes everything but printable ASCII, so no YAML
    line-break folding (NEL, U+2028, CR) can change the value on the way in."""
    return (
        '"'
        + "".join(c if " " <= c <= "~" and c not in '"\\' else f"\\U{ord(c):08X}" for c in text)
        + '"'
    )


def _compile_and_read(
    tmp: Path, display_name: str, model_name: str, pattern: str
) -> dict[str, Any]:
    descriptor = (
        ACME.replace("display_name: Acme AI", f"display_name: {yaml_string(display_name)}")
        .replace("display_name: Acme Large", f"display_name: {yaml_string(model_name)}")
        .replace('- "context length"', f"- {yaml_string(pattern)}")
    )
    registry = tmp / f"registry{next(_counter)}"
    (registry / "providers").mkdir(parents=True)
    (registry / "providers" / "acme.yaml").write_text(descriptor, encoding="utf-8")

    package = f"roundtrip_{next(_counter)}"
    write_tree(tmp / package, compile_registry(registry))
    sys.path.insert(0, str(tmp))
    try:
        provider = importlib.import_module(package).PROVIDERS["acme"]
    finally:
        sys.path.remove(str(tmp))

    forms = json.loads((tmp / package / "key_forms.json").read_text(encoding="utf-8"))["forms"]
    connection = sqlite3.connect(":memory:")
    connection.executescript((tmp / package / "seed.sql").read_text(encoding="utf-8"))
    [(provider_name,)] = connection.execute("SELECT display_name FROM providers").fetchall()
    [(model_name_sql,)] = connection.execute("SELECT display_name FROM models").fetchall()
    connection.close()
    return {
        "python": (
            provider.display_name,
            provider.default_models[0].display_name,
            provider.context_limit_patterns[0],
        ),
        "json": forms[0]["display_name"],
        "sql": (provider_name, model_name_sql),
    }


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(display_name=display_text, model_name=display_text, pattern=descriptor_text)
def test_arbitrary_unicode_round_trips_through_every_output(
    tmp_path: Path, display_name: str, model_name: str, pattern: str
) -> None:
    outputs = _compile_and_read(tmp_path, display_name, model_name, pattern)
    assert outputs["python"] == (display_name, model_name, pattern)
    assert outputs["json"] == display_name
    assert outputs["sql"] == (display_name, model_name)


def test_hostile_strings_round_trip(tmp_path: Path) -> None:
    for text in NASTY:
        outputs = _compile_and_read(tmp_path, text, text[::-1], text)
        assert outputs == {
            "python": (text, text[::-1], text),
            "json": text,
            "sql": (text, text[::-1]),
        }
