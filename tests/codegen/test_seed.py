"""generated seed.sql on real SQLite databases: empty, re-seeded, changed registry, user columns."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from llm_registry.codegen.pipeline import compile_registry
from tests.codegen.conftest import ACME, PROJECT_ROOT, RegistryFactory

SECOND_MODEL = """\
  - id: acme-small
    display_name: Acme Small
    context_window: 32768
    max_output_tokens: 4096
    attachments: [text]
    internal: true
"""


def seed_sql(make_registry: RegistryFactory, acme_text: str) -> str:
    return compile_registry(make_registry({"acme": acme_text}))["seed.sql"].decode("utf-8")


def apply(database: Path, sql: str) -> None:
    with sqlite3.connect(database) as connection:
        connection.executescript(sql)
    connection.close()


def rows(database: Path, query: str) -> list[tuple[object, ...]]:
    connection = sqlite3.connect(database)
    try:
        return connection.execute(query).fetchall()
    finally:
        connection.close()


def dump(database: Path) -> list[str]:
    connection = sqlite3.connect(database)
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


def test_project_seed_applies_to_an_empty_database_twice_identically(
    tmp_path: Path,
) -> None:
    sql = (PROJECT_ROOT / "generated" / "seed.sql").read_text(encoding="utf-8")
    database = tmp_path / "app.db"
    apply(database, sql)
    first = dump(database)
    apply(database, sql)
    assert dump(database) == first
    assert rows(
        database, "SELECT count(*) FROM models WHERE id = 'kimi::kimi-k2-0905-preview'"
    ) == [(1,)]
    assert rows(database, "SELECT requires_api_key FROM providers WHERE id = 'ollama'") == [(0,)]


def test_prices_are_per_token(make_registry: RegistryFactory, tmp_path: Path) -> None:
    database = tmp_path / "app.db"
    apply(database, seed_sql(make_registry, ACME))
    [(prompt, completion, attachments)] = rows(
        database,
        "SELECT prompt_price_per_token, completion_price_per_token, supported_attachment_types FROM models",
    )
    assert prompt == 1.5 / 1e6 and completion == 6.0 / 1e6
    assert attachments == '["text", "image", "webpage"]'


def test_reseed_from_a_changed_registry_keeps_rows_and_user_choices(
    make_registry: RegistryFactory, tmp_path: Path
) -> None:
    database = tmp_path / "app.db"
    apply(database, seed_sql(make_registry, ACME + SECOND_MODEL))
    with sqlite3.connect(database) as connection:
        connection.execute(
            "UPDATE models SET is_hidden = 1, is_selected = 1 WHERE id = 'acme::acme-large'"
        )
        # Discovery's columns and a row only discovery knows about.
        connection.execute("UPDATE models SET is_enabled = 0 WHERE id = 'acme::acme-small'")
        connection.execute(
            "INSERT INTO models (id, provider_id, model_id, display_name, source) "
            "VALUES ('acme::found-live', 'acme', 'found-live', 'Found Live', 'api')"
        )
    connection.close()

    renamed = ACME.replace(
        "display_name: Acme Large", "display_name: Acme Large v2"
    )  # acme-small removed
    apply(database, seed_sql(make_registry, renamed))

    assert rows(
        database,
        "SELECT id, display_name, is_hidden, is_selected, is_deprecated, is_enabled, in_registry, source FROM models ORDER BY id",
    ) == [
        ("acme::acme-large", "Acme Large v2", 1, 1, 0, 1, 1, "registry"),
        ("acme::acme-small", "Acme Small", 0, 0, 1, 0, 0, "registry"),
        ("acme::found-live", "Found Live", 0, 0, 0, 1, 0, "api"),
    ]

    # The model coming back to the registry is no longer deprecated.
    apply(database, seed_sql(make_registry, ACME + SECOND_MODEL))
    assert rows(
        database,
        "SELECT is_deprecated, in_registry FROM models WHERE id = 'acme::acme-small'",
    ) == [(0, 1)]


def test_a_removed_provider_is_kept_but_marked(
    make_registry: RegistryFactory, tmp_path: Path
) -> None:
    database = tmp_path / "app.db"
    two = make_registry(
        {"acme": ACME, "zeta": ACME.replace("acme", "zeta").replace("ACME", "ZETA")}
    )
    apply(database, compile_registry(two)["seed.sql"].decode())
    apply(database, seed_sql(make_registry, ACME))
    assert rows(database, "SELECT id, in_registry FROM providers ORDER BY id") == [
        ("acme", 1),
        ("zeta", 0),
    ]
    assert rows(database, "SELECT is_deprecated FROM models WHERE provider_id = 'zeta'") == [(1,)]
