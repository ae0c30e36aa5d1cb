"""The model store on real SQLite files: the seed, the user's choices through re-seeds and
refreshes, the cache key, and clear errors for a database that cannot be used."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from llm_registry.runtime import Registry, providers
from llm_registry.runtime._discovery.service import discover_models
from llm_registry.runtime._store.store import ModelStore, ModelStoreError
from tests.discovery.conftest import KEY, PROJECT_ROOT, at, database_bytes, registry_provider, run
from tests.discovery.listings import openai_listing
from tests.fixture_registry import TEST_REGISTRY_DIR
from tests.loopback import LoopbackServer
from tests.loopback.responders import json_body


@pytest.fixture
def seed(test_registry: Registry) -> str:
    """The test registry's seed."""
    return test_registry.seed_sql.read_text(encoding="utf-8")


def rows(db_path: Path, sql: str, *params: object) -> list[tuple[object, ...]]:
    with sqlite3.connect(db_path) as conn:
        return list(conn.execute(sql, params))


def model_row(db_path: Path, model_id: str) -> dict[str, object]:
    with sqlite3.connect(db_path) as conn:
        conn.row_factory = sqlite3.Row
        row = conn.execute("SELECT * FROM models WHERE id = ?", (model_id,)).fetchone()
    assert row is not None, f"{model_id} is gone from the database"
    return dict(row)


def dump(db_path: Path) -> list[str]:
    with sqlite3.connect(db_path) as conn:
        return list(conn.iterdump())


def test_first_use_creates_and_seeds_the_database(db_path: Path, test_registry: Registry) -> None:
    store = ModelStore(db_path, registry=test_registry)
    summary = store.summary()
    registered = providers(registry=test_registry)
    assert summary.providers == len(registered)
    assert summary.models == sum(len(p.default_models) for p in registered)
    assert rows(db_path, "PRAGMA journal_mode") == [("wal",)]
    plain = model_row(db_path, "wire-openai::plain-model")
    assert (plain["source"], plain["in_registry"], plain["is_hidden"]) == ("registry", 1, 0)


def test_seeding_twice_gives_the_same_database(db_path: Path, test_registry: Registry) -> None:
    store = ModelStore(db_path, registry=test_registry)
    store.apply_seed()
    first = dump(db_path)
    again = ModelStore(db_path, registry=test_registry).apply_seed()
    assert dump(db_path) == first
    assert again.models == sum(len(p.default_models) for p in providers(registry=test_registry))


def test_without_a_seed_the_store_still_has_its_layout(
    tmp_path: Path, server: LoopbackServer, test_registry: Registry, seed: str
) -> None:
    db_path = tmp_path / "bare.db"
    store = ModelStore(db_path, registry=test_registry, seed_path=tmp_path / "no-such-seed.sql")
    assert store.models() == []
    server.route("/v1/models", json_body(openai_listing(["plain-model", "other"])))
    result = run(
        discover_models(
            at("wire-openai", f"{server.origin}/v1"), api_keys={"wire-openai": KEY}, store=store
        )
    )
    assert result.source == "api"
    assert {m.id for m in store.models()} == {"wire-openai::plain-model", "wire-openai::other"}
    # The real seed applies on top of that layout and takes over registry metadata.
    ModelStore(db_path, registry=test_registry).apply_seed(seed)
    assert model_row(db_path, "wire-openai::plain-model")["in_registry"] == 1
    assert model_row(db_path, "wire-openai::other")["source"] == "api"
    with pytest.raises(ModelStoreError, match="run `llm-registry generate`"):
        store.apply_seed()


def changed_registry_seed(tmp_path: Path) -> str:
    """The seed of the test registry where wire-openai dropped effort-model, renamed plain-model
    and added a model, compiled by the real compiler."""
    registry = tmp_path / "registry"
    shutil.copytree(TEST_REGISTRY_DIR, registry)
    openai_file = registry / "providers" / "wire-openai.yaml"
    descriptor = yaml.safe_load(openai_file.read_text())
    models = [m for m in descriptor["default_models"] if m["id"] != "effort-model"]
    for model in models:
        if model["id"] == "plain-model":
            model["display_name"] = "Plain Renamed"
    models.append(
        {
            "id": "next-model",
            "display_name": "Next Model",
            "context_window": 2_000_000,
            "max_output_tokens": 128_000,
            "attachments": ["text", "image"],
        }
    )
    descriptor["default_models"] = models
    openai_file.write_text(yaml.safe_dump(descriptor, sort_keys=False, allow_unicode=True))
    out = tmp_path / "generated"
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "llm_registry.codegen",
            "generate",
            "--registry",
            str(registry),
            "--out",
            str(out),
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    return (out / "seed.sql").read_text()


def test_users_choices_and_every_row_survive_reseed_and_refresh(
    tmp_path: Path, db_path: Path, server: LoopbackServer, test_registry: Registry, seed: str
) -> None:
    store = ModelStore(db_path, registry=test_registry, auto_seed=False)
    store.apply_seed(seed)
    assert store.set_hidden("wire-openai::plain-model", True)
    assert store.set_hidden("wire-openai::effort-model", True)
    assert store.set_hidden("wire-anthropic::budget-model", True)
    ids_before = {m.id for m in store.models()}

    # Re-seed from a registry where effort-model is gone, plain-model renamed, next-model new.
    store.apply_seed(changed_registry_seed(tmp_path))
    ids_after_seed = {m.id for m in store.models()}
    assert ids_before <= ids_after_seed
    assert "wire-openai::next-model" in ids_after_seed
    removed = model_row(db_path, "wire-openai::effort-model")
    assert (removed["is_deprecated"], removed["in_registry"], removed["is_hidden"]) == (1, 0, 1)
    renamed = model_row(db_path, "wire-openai::plain-model")
    assert (renamed["display_name"], renamed["is_hidden"]) == ("Plain Renamed", 1)

    # Refresh: the API still lists effort-model and plain-model, adds a model, omits the rest.
    server.route(
        "/v1/models", json_body(openai_listing(["plain-model", "effort-model", "gpt-live-only"]))
    )
    result = run(
        discover_models(
            at("wire-openai", f"{server.origin}/v1"), api_keys={"wire-openai": KEY}, store=store
        )
    )
    assert result.source == "api"
    shown = {m.id: m for m in result.models}
    assert (
        shown["wire-openai::plain-model"].is_hidden and shown["wire-openai::effort-model"].is_hidden
    )
    assert (
        shown["wire-openai::plain-model"].display_name == "Plain Renamed"
    )  # the registry's metadata wins
    assert shown[
        "wire-openai::effort-model"
    ].is_deprecated  # still listed, still out of the registry

    ids_after_refresh = {m.id for m in store.models()}
    assert ids_after_seed | {"wire-openai::gpt-live-only"} == ids_after_refresh
    plain = model_row(db_path, "wire-openai::plain-model")
    assert (
        plain["is_hidden"],
        plain["is_enabled"],
        plain["source"],
        plain["display_name"],
    ) == (1, 1, "api", "Plain Renamed")
    effort = model_row(db_path, "wire-openai::effort-model")
    assert (effort["is_hidden"], effort["is_deprecated"], effort["is_enabled"]) == (1, 1, 1)
    unlisted = model_row(db_path, "wire-openai::next-model")
    assert (unlisted["is_enabled"], unlisted["in_registry"]) == (0, 1)
    live = model_row(db_path, "wire-openai::gpt-live-only")
    assert (live["source"], live["in_registry"], live["is_hidden"]) == ("api", 0, 0)
    assert model_row(db_path, "wire-anthropic::budget-model")["is_hidden"] == 1

    # Seeding the original registry again brings effort-model back; nothing the user chose moves,
    # and nothing discovery decided (enabled, source) does either.
    before_reseed = {m.id: m for m in store.models()}
    store.apply_seed(seed)
    after = {m.id: m for m in store.models()}
    assert set(after) == set(before_reseed)
    for model_id, model in after.items():
        assert model.is_hidden == before_reseed[model_id].is_hidden, model_id
        assert model.is_enabled == before_reseed[model_id].is_enabled, model_id
    assert model_row(db_path, "wire-openai::effort-model")["in_registry"] == 1
    assert model_row(db_path, "wire-openai::gpt-live-only")["source"] == "api"

    # Showing is the user's to do, and only that changes the flag.
    assert store.set_hidden("wire-openai::plain-model", False)
    assert model_row(db_path, "wire-openai::plain-model")["is_hidden"] == 0
    assert not store.set_hidden("wire-openai::no-such-model", True)


def test_cache_is_keyed_by_a_hash_of_the_base_url(
    store: ModelStore, server: LoopbackServer
) -> None:
    server.route("/v1/models", json_body(openai_listing(["plain-model"])))
    base_url = f"{server.origin}/v1"
    run(
        discover_models(
            "wire-openai", base_url=base_url, api_keys={"wire-openai": KEY}, store=store
        )
    )
    (row,) = rows(store.path, "SELECT provider_id, base_url_hash FROM discovery_cache")
    assert row == ("wire-openai", hashlib.sha256(base_url.encode()).hexdigest())
    data = database_bytes(store.path)
    assert KEY.encode() not in data
    assert f"127.0.0.1:{server.port}".encode() not in data


def test_a_database_path_that_cannot_be_used_is_a_clear_error(tmp_path: Path) -> None:
    directory = tmp_path / "a-directory.db"
    directory.mkdir()
    with pytest.raises(ModelStoreError, match=r"a-directory\.db"):
        ModelStore(directory).summary()

    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(b"this is not an sqlite database at all " * 200)
    with pytest.raises(ModelStoreError, match=r"corrupt\.db"):
        ModelStore(corrupt).models()


def test_discover_models_reports_an_unusable_database(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(ModelStoreError):
        run(discover_models(registry_provider("wire-custom"), store=blocker / "models.db"))


def _indexes(connection: sqlite3.Connection, table: str) -> dict[str, list[str]]:
    """The table's own (named) indexes and the columns each covers."""
    return {
        name: [column for _, _, column in connection.execute(f"PRAGMA index_info({name})")]
        for _, name, *_ in connection.execute(f"PRAGMA index_list({table})")
        if not name.startswith("sqlite_autoindex_")
    }


@pytest.mark.parametrize("seeded", [True, False])
def test_models_are_indexed_by_provider_once(
    tmp_path: Path, test_registry: Registry, seeded: bool
) -> None:
    seed_path = None if seeded else tmp_path / "no-such-seed.sql"
    store = ModelStore(tmp_path / "models.db", registry=test_registry, seed_path=seed_path)
    store.models()
    with sqlite3.connect(store.path) as connection:
        assert _indexes(connection, "models") == {"models_by_provider": ["provider_id"]}


def test_the_retired_duplicate_index_is_dropped_from_an_existing_database(
    tmp_path: Path, test_registry: Registry
) -> None:
    db_path = tmp_path / "models.db"
    ModelStore(db_path, registry=test_registry).summary()
    # As a store before layout versions left it: the index, and no user_version.
    with sqlite3.connect(db_path) as connection:
        connection.execute(
            "CREATE INDEX IF NOT EXISTS discovery_models_by_provider ON models (provider_id)"
        )
        connection.execute("PRAGMA user_version = 0")
    ModelStore(db_path, registry=test_registry).models()
    with sqlite3.connect(db_path) as connection:
        assert _indexes(connection, "models") == {"models_by_provider": ["provider_id"]}


def test_json_columns_nested_too_deep_to_decode_read_as_empty(store: ModelStore) -> None:
    store.summary()
    deep = "[" * 100_000
    with sqlite3.connect(store.path) as conn:
        conn.execute(
            "UPDATE models SET supported_attachment_types = ? WHERE id = ?",
            (deep, "wire-openai::plain-model"),
        )
        conn.execute(
            "INSERT INTO discovery_cache VALUES ('wire-openai', ?, 0, ?)",
            (hashlib.sha256(b"http://127.0.0.1:9/v1").hexdigest(), deep),
        )
    assert {m.id: m for m in store.models("wire-openai")}[
        "wire-openai::plain-model"
    ].attachments == ()
    assert store.load_listing("wire-openai", "http://127.0.0.1:9/v1") is None
