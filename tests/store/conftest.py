"""Real model databases, damaged on purpose, and the CLI run as a user runs it."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
from importlib.util import find_spec
from pathlib import Path

import pytest

from llm_registry.runtime._discovery.dialects import ListedModel
from llm_registry.runtime._registry import Registry, load_registry, providers
from llm_registry.runtime._store.records import ModelInfo
from llm_registry.runtime._store.store import ModelStore
from tests.fixture_registry import TEST_REGISTRY_PACKAGE, CompiledRegistry

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# A key shaped like a real one; no output may ever contain it.
KEY = "sk-store-test-4c1d8e7a2b9f3605e1d7"

# The databases are the test registry's (tests/registry/), through its OpenAI-compatible
# provider; editing a curated descriptor cannot change them.
PROVIDER = "wire-openai"
PROVIDER_URL = "https://api.wire-openai.test/v1"  # its own base URL: listings there own its rows
KEY_VARIABLE = "WIRE_OPENAI_API_KEY"
DISCOVERED = 300  # enough discovered rows to fill many pages of `models`


def registry() -> Registry:
    return load_registry(TEST_REGISTRY_PACKAGE)


def key_variables() -> list[str]:
    registries = [registry(), None]
    return [p.api_key.env for r in registries for p in providers(registry=r) if p.api_key]


@pytest.fixture(autouse=True)
def no_keys_from_the_environment(
    compiled_registry: CompiledRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    # compiled_registry puts the test registry's package on the import path first.
    for name in key_variables():
        monkeypatch.delenv(name, raising=False)


def cli(*args: str, key: bool = False, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """``python -m llm_registry.runtime ARGS --package <the test registry>`` with no key but ours
    in its environment."""
    env = {k: v for k, v in os.environ.items() if k not in set(key_variables())}
    package = find_spec(TEST_REGISTRY_PACKAGE)
    assert package is not None and package.origin is not None
    env["PYTHONPATH"] = str(Path(package.origin).parents[1])  # the folder holding the package
    if key:
        env[KEY_VARIABLE] = KEY
    completed = subprocess.run(
        [sys.executable, "-m", "llm_registry.runtime", *args, "--package", TEST_REGISTRY_PACKAGE],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert KEY not in completed.stdout and KEY not in completed.stderr
    assert "Traceback" not in completed.stderr
    return completed


def discovered_id(number: int) -> str:
    return f"{PROVIDER}::discovered-{number:04d}"


def populated_database(path: Path) -> Path:
    """A seeded database with many discovered models, a cache entry, and hidden choices: every
    third discovered model, and the registry's first model of the provider."""
    store = ModelStore(path, registry=registry())
    names = [discovered_id(n).split("::")[1] for n in range(DISCOVERED)]
    listed = [
        ListedModel(model_id=name, display_name=f"Discovered {name} " + "x" * 60) for name in names
    ]
    models = [
        ModelInfo(
            id=f"{PROVIDER}::{m.model_id}",
            provider_id=PROVIDER,
            model_id=m.model_id,
            display_name=m.display_name or m.model_id,
        )
        for m in listed
    ]
    store.save_discovery(PROVIDER, PROVIDER_URL, listed, models)
    for number in range(0, DISCOVERED, 3):
        assert store.set_hidden(discovered_id(number), True)
    registry_model = next(m for m in store.models(PROVIDER) if m.in_registry)
    assert store.set_hidden(registry_model.id, True)
    store.close()
    return path


def leaf_pages(path: Path, table: str) -> list[int]:
    """The page numbers of ``table``'s leaf pages, in order (SQLite's dbstat table)."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        try:
            rows = conn.execute(
                "SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' ORDER BY pageno",
                (table,),
            ).fetchall()
        except sqlite3.OperationalError:
            pytest.skip("this SQLite has no dbstat table to find a table's pages with")
    return [int(row[0]) for row in rows]


def damage_pages(path: Path, pages: list[int]) -> None:
    """Overwrite whole pages with garbage, as a torn write or a bad sector would."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        page_size = int(conn.execute("PRAGMA page_size").fetchone()[0])
    with path.open("r+b") as file:
        for page in pages:
            file.seek((page - 1) * page_size)
            file.write(bytes([0xA5]) * page_size)


def damaged_in_the_middle(path: Path) -> list[int]:
    """Damage two leaf pages from the middle of ``models`` (not its first or last pages, so
    rows on both sides of them can still be read); returns them."""
    leaves = leaf_pages(path, "models")
    assert len(leaves) >= 6, "the table must span several pages"
    middle = len(leaves) // 2
    damaged = [leaves[middle], leaves[middle + 1]]
    damage_pages(path, damaged)
    return damaged
