"""Model lifecycles end to end: a registry compiled with active, deprecated and retired models;
resolve_model following replaced_by; and a real SQLite store whose user selection moves from a
retired model to its replacement when a new seed retires it, the old row kept."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from llm_registry.codegen.pipeline import compile_registry
from llm_registry.codegen.writer import write_tree
from llm_registry.runtime import (
    InvalidModelIdError,
    ModelStore,
    Registry,
    ResolvedModel,
    load_registry,
    resolve_model,
)
from tests.codegen.conftest import ACME_HEAD, acme_model

PACKAGE = "lifecycle_registry"

# Before: every model in service.
BEFORE = ACME_HEAD + "".join(acme_model(m) for m in ("old", "mid", "new", "aging", "gone", "kept"))
# After: old -> mid -> new retired in a chain; aging deprecated; gone retired with no successor.
AFTER = (
    ACME_HEAD
    + acme_model("old", "status: retired", 'since: "2026-01-15"', "replaced_by: mid")
    + acme_model("mid", "status: retired", 'since: "2026-03-01"', "replaced_by: new")
    + acme_model("new")
    + acme_model("aging", "deprecated: true", "replaced_by: new")
    + acme_model("gone", "status: retired")
    + acme_model("kept")
)


def _registry_dir(root: Path, text: str) -> Path:
    (root / "providers").mkdir(parents=True)
    (root / "logos").mkdir()
    (root / "providers" / "acme.yaml").write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def after_seed(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = _registry_dir(tmp_path_factory.mktemp("after"), AFTER)
    return compile_registry(root)["seed.sql"].decode("utf-8")


@pytest.fixture(scope="module")
def import_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("lifecycle-packages")


@pytest.fixture(scope="module")
def registries(
    tmp_path_factory: pytest.TempPathFactory, import_root: Path
) -> Iterator[dict[str, Registry]]:
    """The registry before and after the retirements, each compiled into its own package."""
    for name, text in (("before", BEFORE), ("after", AFTER)):
        root = _registry_dir(tmp_path_factory.mktemp(name), text)
        write_tree(import_root / f"{PACKAGE}_{name}", compile_registry(root))
    sys.path.insert(0, str(import_root))
    try:
        yield {name: load_registry(f"{PACKAGE}_{name}") for name in ("before", "after")}
    finally:
        sys.path.remove(str(import_root))
        for loaded in [m for m in sys.modules if m.startswith(PACKAGE)]:
            del sys.modules[loaded]


@pytest.mark.parametrize(
    ("asked", "resolved"),
    [
        (
            "acme::old",
            ResolvedModel("acme::new", ("acme::old", "acme::mid", "acme::new"), "active"),
        ),
        ("acme::mid", ResolvedModel("acme::new", ("acme::mid", "acme::new"), "active")),
        # Deprecated still answers: resolving leaves it where it is.
        ("acme::aging", ResolvedModel("acme::aging", ("acme::aging",), "deprecated")),
        ("acme::gone", ResolvedModel("acme::gone", ("acme::gone",), "retired")),
        ("acme::kept", ResolvedModel("acme::kept", ("acme::kept",), "active")),
        ("acme::found-live", ResolvedModel("acme::found-live", ("acme::found-live",), "unknown")),
    ],
)
def test_resolve_model_follows_replacements_of_retired_models(
    registries: dict[str, Registry], asked: str, resolved: ResolvedModel
) -> None:
    result = resolve_model(asked, registry=registries["after"])
    assert result == resolved
    assert result.moved == (len(resolved.chain) > 1)


def test_resolve_model_refuses_a_malformed_id(registries: dict[str, Registry]) -> None:
    with pytest.raises(InvalidModelIdError):
        resolve_model("acme-old", registry=registries["after"])


def test_the_descriptor_carries_status_since_and_replacement(
    registries: dict[str, Registry],
) -> None:
    [old] = [m for m in registries["after"].providers["acme"].default_models if m.id == "old"]
    assert (old.status, old.since, old.replaced_by) == ("retired", "2026-01-15", "mid")


def test_a_selection_moves_from_a_retired_model_to_its_replacement_on_reseed(
    registries: dict[str, Registry], after_seed: str, tmp_path: Path
) -> None:
    db_path = tmp_path / "models.db"
    store = ModelStore(db_path, registry=registries["before"])
    for model_id in ("acme::old", "acme::aging", "acme::gone", "acme::kept"):
        assert store.set_selected(model_id, True)
    assert not store.set_selected("acme::nowhere", True)
    assert {m.id for m in store.models() if m.is_selected} == {
        "acme::old",
        "acme::aging",
        "acme::gone",
        "acme::kept",
    }

    store.apply_seed(after_seed)  # the registry's next release retires old and mid
    store.close()

    after = {
        m.id: m
        for m in ModelStore(db_path, registry=registries["before"], auto_seed=False).models()
    }
    # The retired row is kept with its lifecycle; the selection went to the chain's end.
    old = after["acme::old"]
    assert (old.status, old.status_since, old.replaced_by) == (
        "retired",
        "2026-01-15",
        "acme::mid",
    )
    assert old.is_deprecated and not old.is_selected
    assert after["acme::new"].is_selected
    # A deprecated model still answers, and one retired without a successor has nowhere to go.
    assert after["acme::aging"].is_selected and after["acme::aging"].status == "deprecated"
    assert after["acme::gone"].is_selected and after["acme::gone"].status == "retired"
    assert after["acme::kept"].is_selected and after["acme::kept"].status == "active"
    assert {m.id for m in after.values() if m.is_selected} == {
        "acme::new",
        "acme::aging",
        "acme::gone",
        "acme::kept",
    }
    assert len(after) == 6  # no row lost


def test_the_seed_carries_status_since_and_the_replacements_full_id(
    after_seed: str, tmp_path: Path
) -> None:
    db_path = tmp_path / "app.db"
    with sqlite3.connect(db_path) as connection:
        connection.executescript(after_seed)
        rows = connection.execute(
            "SELECT model_id, status, status_since, replaced_by, is_deprecated FROM models"
            " ORDER BY model_id"
        ).fetchall()
    connection.close()
    assert rows == [
        ("aging", "deprecated", None, "acme::new", 1),
        ("gone", "retired", None, None, 1),
        ("kept", "active", None, None, 0),
        ("mid", "retired", "2026-03-01", "acme::new", 1),
        ("new", "active", None, None, 0),
        ("old", "retired", "2026-01-15", "acme::mid", 1),
    ]


def test_the_models_command_shows_each_models_lifecycle(
    registries: dict[str, Registry], import_root: Path, tmp_path: Path
) -> None:
    project_root = Path(__file__).resolve().parents[2]
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env["PYTHONPATH"] = os.pathsep.join([str(project_root), str(import_root)])
    db = str(tmp_path / "models.db")
    package = ["--package", f"{PACKAGE}_after", "--db", db]
    result = subprocess.run(
        [sys.executable, "-m", "llm_registry.runtime", "models", "acme", *package],
        cwd=project_root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    lines = {line.split()[0]: line for line in result.stdout.splitlines()[1:]}
    assert lines["acme::old"].endswith("retired since 2026-01-15, replaced by acme::mid")
    assert lines["acme::aging"].endswith("deprecated, replaced by acme::new")
    assert lines["acme::gone"].endswith("  retired")
    assert lines["acme::kept"].endswith("131,072")  # active: nothing to say
