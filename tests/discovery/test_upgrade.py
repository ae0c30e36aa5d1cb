"""Upgrading model databases in place, on real files: one written before layout versions were
recorded, one made by the old seed.sql alone, a version-1 file meeting a layout that adds a
column and a table, and files or seeds from a newer release, which are refused untouched."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

import pytest

from llm_registry.runtime import Registry
from llm_registry.runtime._store.connection import Database
from llm_registry.runtime._store.schema import (
    LAYOUT,
    SCHEMA_VERSION,
    Column,
    Index,
    Layout,
    Table,
    seed_ddl,
)
from llm_registry.runtime._store.store import ModelStore, ModelStoreError
from llm_registry.runtime._store.upgrade import upgrade_layout
from tests.discovery.conftest import database_from_before_versions

# What the fixture's user and discovery left in it (see the fixture's header).
HIDDEN = {"wire-openai::plain-model", "wire-anthropic::budget-model", "wire-openai::gpt-live-only"}
OTHER_BASE_URL = "http://127.0.0.1:9/v1"


def user_version(db_path: Path) -> int:
    with sqlite3.connect(db_path) as conn:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])


def table_rows(db_path: Path, table: str) -> set[tuple[object, ...]]:
    with sqlite3.connect(db_path) as conn:
        return set(conn.execute(f"SELECT * FROM {table}"))


def columns(db_path: Path, table: str) -> list[tuple[str, str, int, object, int]]:
    """(name, type, notnull, default, pk) of each column, in order."""
    with sqlite3.connect(db_path) as conn:
        return [tuple(row[1:]) for row in conn.execute(f"PRAGMA table_info({table})")]


def tables(db_path: Path) -> set[str]:
    with sqlite3.connect(db_path) as conn:
        return {
            name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
        }


def dump(db_path: Path) -> list[str]:
    with sqlite3.connect(db_path) as conn:
        return list(conn.iterdump())


def test_a_database_from_before_versions_is_upgraded_in_place_and_loses_nothing(
    tmp_path: Path, test_registry: Registry
) -> None:
    db_path = database_from_before_versions(tmp_path / "models.db")
    assert user_version(db_path) == 0
    models_before = table_rows(db_path, "models")
    cache_before = table_rows(db_path, "discovery_cache")

    store = ModelStore(db_path, registry=test_registry)
    after = {m.id: m for m in store.models()}

    assert user_version(db_path) == SCHEMA_VERSION
    assert {row[0] for row in models_before} <= set(after)
    assert {model_id for model_id, m in after.items() if m.is_hidden} == HIDDEN
    live = after["wire-openai::gpt-live-only"]
    assert (live.display_name, live.context_window, live.in_registry) == ("Live Only", 64000, False)
    assert table_rows(db_path, "discovery_cache") == cache_before
    cached = store.load_listing("wire-openai", OTHER_BASE_URL)
    assert cached is not None and [m.model_id for m in cached.models] == ["plain-model"]
    # The seed applied on opening brought back the providers the fixture was trimmed of.
    assert store.summary().providers > 2


def test_a_database_made_by_the_old_seed_alone_gains_the_store_tables(
    tmp_path: Path, test_registry: Registry
) -> None:
    db_path = database_from_before_versions(tmp_path / "models.db")
    with sqlite3.connect(db_path) as conn:  # what `sqlite3 app.db < seed.sql` used to leave
        conn.executescript("DROP TABLE discovery_cache; DROP TABLE store_meta;")
    models_before = table_rows(db_path, "models")

    ModelStore(db_path, registry=test_registry, auto_seed=False).models()

    assert user_version(db_path) == SCHEMA_VERSION
    assert {"discovery_cache", "store_meta"} <= tables(db_path)
    # Every old column as it was (the columns of later versions follow them).
    width = len(next(iter(models_before)))
    assert {row[:width] for row in table_rows(db_path, "models")} == models_before


def test_a_database_made_by_todays_seed_is_at_the_current_layout(
    tmp_path: Path, test_registry: Registry
) -> None:
    db_path = tmp_path / "app.db"
    with sqlite3.connect(db_path) as conn:
        conn.executescript(test_registry.seed_sql.read_text(encoding="utf-8"))
    assert user_version(db_path) == SCHEMA_VERSION
    fresh = tmp_path / "fresh.db"
    ModelStore(fresh, registry=test_registry, auto_seed=False).models()
    for table in ("providers", "models", "discovery_cache", "store_meta"):
        assert columns(db_path, table) == columns(fresh, table), table
    store = ModelStore(db_path, registry=test_registry)
    assert store.set_hidden("wire-openai::plain-model", True)
    assert {m.id: m for m in store.models("wire-openai")}["wire-openai::plain-model"].is_hidden


# A later release's layout: a column on an existing table, a new table and its index, and a
# data step, as a real migration would add them.
LATER = SCHEMA_VERSION + 1
NOTE = Column("note", "TEXT NOT NULL DEFAULT ''", since=LATER)
FAVOURITES = Table(
    "favourites",
    (Column("model_id", "TEXT PRIMARY KEY"), Column("added_at", "REAL NOT NULL")),
    since=LATER,
)
LAYOUT_V2 = Layout(
    tables=(
        *(
            dataclasses.replace(t, columns=(*t.columns, NOTE)) if t.name == "models" else t
            for t in LAYOUT.tables
        ),
        FAVOURITES,
    ),
    indexes=(
        *LAYOUT.indexes,
        Index("favourites_by_time", "favourites", ("added_at",), since=LATER),
    ),
    extra_steps={
        **LAYOUT.extra_steps,
        LATER: ("UPDATE models SET note = 'hidden before v2' WHERE is_hidden = 1",),
    },
)


def test_a_version_1_file_gains_a_later_releases_column_and_table_in_place(
    tmp_path: Path, test_registry: Registry
) -> None:
    assert LAYOUT_V2.version == LATER
    db_path = database_from_before_versions(tmp_path / "models.db")
    store = ModelStore(db_path, registry=test_registry)
    store.models()
    store.close()
    assert user_version(db_path) == SCHEMA_VERSION
    models_before = {row[0]: row for row in table_rows(db_path, "models")}

    upgrade_layout(Database(db_path, busy_timeout=5, lock_patience=5), LAYOUT_V2)

    assert user_version(db_path) == LATER
    models_after = {row[0]: row for row in table_rows(db_path, "models")}
    assert set(models_after) == set(models_before)
    for model_id, row in models_after.items():
        assert row[:-1] == models_before[model_id], model_id  # every old column as it was
    notes = {row[0] for row in models_after.values() if row[-1] == "hidden before v2"}
    assert notes == HIDDEN
    assert "favourites" in tables(db_path)

    # A file created at version 2 has the same columns as one upgraded to it.
    fresh = tmp_path / "fresh.db"
    upgrade_layout(Database(fresh, busy_timeout=5, lock_patience=5), LAYOUT_V2)
    for table in ("models", "favourites"):
        assert columns(db_path, table) == columns(fresh, table), table
    with sqlite3.connect(fresh) as conn:
        conn.executescript(LAYOUT_V2.ddl())  # and the v2 DDL a seed would carry fits it
    # This release's store meets a file newer than it knows, and refuses it.
    with pytest.raises(ModelStoreError, match=f"layout version {LATER}"):
        ModelStore(db_path, registry=test_registry).models()


def test_a_file_from_a_newer_release_is_refused_and_left_as_it_was(
    tmp_path: Path, test_registry: Registry
) -> None:
    db_path = database_from_before_versions(tmp_path / "models.db")
    with sqlite3.connect(db_path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    before = dump(db_path)
    with pytest.raises(
        ModelStoreError, match=rf"newer than the {SCHEMA_VERSION} this release"
    ) as raised:
        ModelStore(db_path, registry=test_registry).models()
    assert str(db_path) in str(raised.value)
    assert dump(db_path) == before


def test_a_seed_for_a_newer_layout_is_refused(tmp_path: Path, test_registry: Registry) -> None:
    store = ModelStore(tmp_path / "models.db", auto_seed=False)
    newer = test_registry.seed_sql.read_text(encoding="utf-8").replace(
        f"PRAGMA user_version = {SCHEMA_VERSION};", f"PRAGMA user_version = {SCHEMA_VERSION + 1};"
    )
    with pytest.raises(ModelStoreError, match="regenerate the registry"):
        store.apply_seed(newer)
    assert store.summary().models == 0


def test_an_older_seed_does_not_set_the_files_version_back(
    tmp_path: Path, test_registry: Registry
) -> None:
    db_path = tmp_path / "models.db"
    store = ModelStore(db_path, registry=test_registry, auto_seed=False)
    older = test_registry.seed_sql.read_text(encoding="utf-8").replace(
        f"PRAGMA user_version = {SCHEMA_VERSION};", "PRAGMA user_version = 0;"
    )
    assert older != test_registry.seed_sql.read_text(encoding="utf-8")
    summary = store.apply_seed(older)
    assert summary.models > 0
    assert user_version(db_path) == SCHEMA_VERSION


def test_the_seed_ddl_is_the_layout() -> None:
    """The DDL the compiler renders into seed.sql creates exactly the store's tables."""
    conn = sqlite3.connect(":memory:")
    try:
        conn.executescript(seed_ddl())
        names = {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert names == {table.name for table in LAYOUT.tables}
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    finally:
        conn.close()
