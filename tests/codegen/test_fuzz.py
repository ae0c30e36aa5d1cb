"""Mutated descriptors: every one is either refused with diagnostics or compiled into outputs
that hold exactly what it says. Never a traceback.

A few hundred examples run in `make test`; FUZZ_EXAMPLES=5000 runs more.
"""

from __future__ import annotations

import importlib
import itertools
import json
import os
import sqlite3
import sys
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from llm_registry.codegen.diagnostics import CODES, CompileError
from llm_registry.codegen.pipeline import compile_registry
from llm_registry.codegen.validate import validate_registry
from llm_registry.codegen.writer import write_tree
from llm_registry.codegen.yaml_limits import SAFE_LOADER
from tests.codegen.conftest import ACME, run_codegen

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "200"))
LINES = ACME.splitlines(keepends=True)
# Pieces a mutation may splice in: YAML's own syntax and the values that surprise it.
FRAGMENTS = [
    "", " ", "\t", "\n", ":", ": ", "- ", "[", "]", "{", "}", ",", "&a ", "*a", "!!str ",
    "!!python/name:os.system", "'", '"', "#", "|", ">", "---\n", "...", "~", "null", "yes",
    "0x1F", "0100", "1e999", ".nan", "-1", "0", "1:30", "2024-01-01", "::", "http://x",
    "https://u:p@h/v1", "\u202e", "\x1b", "\x00", "é", "🦙", "9" * 30, "a" * 300,
]  # fmt: skip
_packages = itertools.count()


DISPLAYED = [i for i, line in enumerate(LINES) if line.strip().startswith("display_name:")]


@st.composite
def mutated_descriptor(draw: st.DrawFn) -> str:
    lines = list(LINES)
    if draw(st.booleans()):
        # Half the examples change only what people see, to any text: most are valid, and
        # their text must come back exactly from every output.
        index = draw(st.sampled_from(DISPLAYED))
        value = draw(st.text(st.characters(codec="utf-8", exclude_categories=["Cs"])))
        lines[index] = lines[index].partition(":")[0] + f": {json.dumps(value)}\n"
        return "".join(lines)
    for _ in range(draw(st.integers(1, 3))):
        index = draw(st.integers(0, len(lines) - 1))
        operations = ["delete", "duplicate", "splice", "replace_value", "quote_value"]
        operation = draw(st.sampled_from(operations))
        line = lines[index]
        if operation == "delete" and len(lines) > 1:
            del lines[index]
        elif operation == "duplicate":
            lines.insert(index, line)
        elif operation == "splice":
            at = draw(st.integers(0, len(line)))
            lines[index] = line[:at] + draw(st.sampled_from(FRAGMENTS)) + line[at:]
        elif operation == "replace_value" and ":" in line:
            key, _, _ = line.partition(":")
            value = draw(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12)))
            lines[index] = f"{key}: {value}\n"
        elif operation == "quote_value" and ":" in line:
            # Any text as a quoted string: most such descriptors are valid, and their strings
            # must come back exactly from every output.
            key, _, _ = line.partition(":")
            value = draw(st.text(st.characters(codec="utf-8", exclude_categories=["Cs"])))
            lines[index] = f"{key}: {json.dumps(value)}\n"
    return "".join(lines)


def _registry(tmp: Path, text: str) -> Path:
    registry = tmp / f"registry{next(_packages)}"
    (registry / "providers").mkdir(parents=True)
    (registry / "logos").mkdir()
    (registry / "providers" / "acme.yaml").write_text(text, encoding="utf-8", errors="replace")
    return registry


def _outputs(tmp: Path, files: dict[str, bytes]) -> tuple[Any, list[Any], list[Any]]:
    package = f"fuzzed_{next(_packages)}"
    write_tree(tmp / package, files)
    sys.path.insert(0, str(tmp))
    try:
        provider = importlib.import_module(package).PROVIDERS["acme"]
    finally:
        sys.path.remove(str(tmp))
    forms = json.loads(files["key_forms.json"])["forms"]
    connection = sqlite3.connect(":memory:")
    try:
        connection.executescript(files["seed.sql"].decode("utf-8"))
        providers = connection.execute(
            "SELECT id, display_name, base_url FROM providers"
        ).fetchall()
        models = connection.execute("SELECT id, context_window FROM models").fetchall()
    finally:
        connection.close()
    return provider, forms, [providers, models]


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=mutated_descriptor())
def test_a_mutated_descriptor_is_refused_or_round_trips(tmp_path: Path, text: str) -> None:
    registry = _registry(tmp_path, text)
    try:
        files = compile_registry(registry)
    except CompileError as error:
        assert error.diagnostics, "refused without saying why"
        assert all(d.code in CODES and d.message for d in error.diagnostics)
        return
    # Accepted, so plain YAML reads it the same way: PyYAML on the parser the compiler uses
    # (libyaml where installed, which allows a tab before a key's colon as YAML 1.2 does).
    document = yaml.load(text, Loader=SAFE_LOADER)
    provider, forms, (providers, models) = _outputs(tmp_path, files)
    assert (provider.id, provider.display_name, provider.base_url) == (
        document["id"],
        document["display_name"],
        document["base_url"],
    )
    assert providers == [(document["id"], document["display_name"], document["base_url"])]
    expected_models = [(m["id"], m["context_window"]) for m in document["default_models"]]
    assert [(m.id, m.context_window) for m in provider.default_models] == expected_models
    assert sorted(models) == sorted(
        (f"{document['id']}::{model_id}", window) for model_id, window in expected_models
    )
    if document.get("api_key"):
        assert [form["display_name"] for form in forms] == [document["display_name"]]


@settings(max_examples=max(10, EXAMPLES // 20), deadline=None)
@given(text=mutated_descriptor())
def test_the_cli_answers_a_mutated_descriptor_with_an_exit_code(text: str) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as temp:
        registry = _registry(Path(temp), text)
        expected = 1 if validate_registry(registry).diagnostics else 0
        result = run_codegen("validate", "--registry", str(registry), cwd=Path(temp))
    assert result.returncode == expected, result.stderr
    assert "Traceback" not in result.stderr
