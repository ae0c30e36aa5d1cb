"""``--package PKG`` on the runtime's subcommands: the app's own generated package (compiled
from tests/registry/) served end to end, in subprocesses as a user runs them."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests import loopback
from tests.fixture_registry import CompiledRegistry
from tests.loopback import LoopbackServer

PROJECT_ROOT = Path(__file__).resolve().parents[2]
KEYS = {
    "WIRE_OPENAI_API_KEY": "sk-wire-openai-PKG-SECRET-1a2b3c4d",
    "WIRE_ANTHROPIC_API_KEY": "sk-ant-wire-PKG-SECRET-5e6f7a8b",
    "WIRE_GEMINI_API_KEY": "AIza-wire-PKG-SECRET-9c0d1e2f",
}


def _run(compiled: CompiledRegistry, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env.update(KEYS)
    env["PYTHONPATH"] = str(compiled.import_root)
    result = subprocess.run(
        [sys.executable, "-m", "llm_registry.runtime", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    for key in KEYS.values():
        assert key not in result.stdout and key not in result.stderr
    assert "Traceback" not in result.stderr
    return result


@pytest.mark.parametrize(
    ("model_id", "wire_format", "key_header", "key"),
    [
        (
            "wire-openai::plain-model",
            "openai",
            "authorization",
            f"Bearer {KEYS['WIRE_OPENAI_API_KEY']}",
        ),
        ("wire-anthropic::budget-model", "anthropic", "x-api-key", KEYS["WIRE_ANTHROPIC_API_KEY"]),
        ("wire-gemini::gemini-model", "gemini", "x-goog-api-key", KEYS["WIRE_GEMINI_API_KEY"]),
    ],
)
def test_chat_streams_from_the_package_named(
    compiled_registry: CompiledRegistry,
    llm_server: LoopbackServer,
    model_id: str,
    wire_format: loopback.Format,
    key_header: str,
    key: str,
) -> None:
    result = _run(
        compiled_registry,
        "chat",
        model_id,
        "hello",
        "--package",
        compiled_registry.package,
        "--base-url",
        llm_server.base_url("ok", wire_format),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == loopback.REPLY + "\n"
    sent = llm_server.requests[-1]
    # The key comes from the variable the app's descriptor names.
    assert sent.headers[key_header] == key


@pytest.mark.parametrize(
    ("scenario", "kind", "phrase"),
    [
        ("401", "auth", "WIRE_ANTHROPIC_API_KEY"),
        ("401-upper", "auth", "WIRE_ANTHROPIC_API_KEY"),
        ("overflow", "context_limit", "wire-anthropic::budget-model"),
    ],
)
def test_failures_name_the_apps_provider_and_never_its_key(
    compiled_registry: CompiledRegistry,
    llm_server: LoopbackServer,
    scenario: str,
    kind: str,
    phrase: str,
) -> None:
    # The server echoes the key in its error body; _run checks it never reaches the output.
    result = _run(
        compiled_registry,
        "chat",
        "wire-anthropic::budget-model",
        "hello",
        "--package",
        compiled_registry.package,
        "--base-url",
        llm_server.base_url(scenario, "anthropic"),
    )
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {kind}: "), result.stderr
    assert phrase in lines[0]


def test_without_package_the_apps_providers_are_unknown(
    compiled_registry: CompiledRegistry,
) -> None:
    result = _run(compiled_registry, "chat", "wire-openai::plain-model", "hello")
    assert result.returncode == 1
    assert result.stderr.startswith("error: config: unknown provider 'wire-openai'")


def test_a_package_that_is_not_a_registry_is_one_error_line(
    compiled_registry: CompiledRegistry,
) -> None:
    for package, phrase in (
        ("no_such_package", "cannot import the registry package 'no_such_package'"),
        ("json", "'json' is not a generated registry package"),
    ):
        result = _run(compiled_registry, "chat", "x::y", "hi", "--package", package)
        assert result.returncode == 1
        assert result.stderr.count("\n") == 1 and phrase in result.stderr, result.stderr


def test_seed_and_models_serve_the_package_named(
    compiled_registry: CompiledRegistry, tmp_path: Path
) -> None:
    db = str(tmp_path / "models.db")
    package = ("--package", compiled_registry.package)
    seeded = _run(compiled_registry, "seed", "--db", db, *package)
    assert seeded.returncode == 0, seeded.stderr
    with sqlite3.connect(db) as conn:
        ids = [row[0] for row in conn.execute("SELECT id FROM providers ORDER BY display_order")]
    assert ids[0] == "wire-openai" and "wire-custom" in ids and "openai" not in ids

    # wire-custom has no live discovery: its registry defaults are the list.
    listed = _run(compiled_registry, "models", "wire-custom", "--db", db, "--json", *package)
    assert listed.returncode == 0, listed.stderr
    answer = json.loads(listed.stdout)
    assert answer["provider"] == "wire-custom"
    assert [model["id"] for model in answer["models"]] == ["wire-custom::budget-model"]

    hidden = _run(
        compiled_registry, "models", "hide", "wire-custom::budget-model", "--db", db, *package
    )
    assert hidden.returncode == 0, hidden.stderr
    assert hidden.stdout == "hidden: wire-custom::budget-model\n"
