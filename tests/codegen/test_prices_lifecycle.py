"""Prices beyond input and output, and model lifecycles, through the compiler: the seed's price
columns (exact per token, tiers as JSON) on a real SQLite file, and replacement chains checked
across any number of models, with status as well as the older deprecated flag."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from llm_registry.codegen.pipeline import compile_registry
from llm_registry.codegen.validate import validate_registry
from tests.codegen.conftest import ACME, ACME_HEAD, RegistryFactory, acme_model

PRICES = """\
      cache_read_per_million: 0.15
      cache_write_per_million: 1.875
      cache_write_1h_per_million: 3
      reasoning_per_million: 7.5
      tiers:
        - above_input_tokens: 200000
          input_per_million: 3
          output_per_million: 12
          cache_read_per_million: 0.3
        - above_input_tokens: 1000000
          input_per_million: 6
          output_per_million: 24
"""


def test_the_seed_carries_every_price_per_token_and_tiers_as_json(
    make_registry: RegistryFactory, tmp_path: Path
) -> None:
    seed = compile_registry(make_registry({"acme": ACME + PRICES}))["seed.sql"].decode()
    database = tmp_path / "app.db"
    with sqlite3.connect(database) as connection:
        connection.executescript(seed)
        [row] = connection.execute(
            "SELECT prompt_price_per_token, completion_price_per_token,"
            " cache_read_price_per_token, cache_write_price_per_token,"
            " cache_write_1h_price_per_token, reasoning_price_per_token, price_tiers, status"
            " FROM models"
        ).fetchall()
    connection.close()
    assert row[:6] == (1.5e-6, 6e-6, 0.15e-6, 1.875e-6, 3e-6, 7.5e-6)
    assert json.loads(row[6]) == [
        {"above_input_tokens": 200000, "input": 3e-6, "output": 12e-6, "cache_read": 0.3e-6},
        {"above_input_tokens": 1000000, "input": 6e-6, "output": 24e-6},
    ]
    # Exact decimals in the text, not a float's neighbours.
    assert '"input": 0.000003,' in row[6]
    assert row[7] == "active"


def test_a_model_without_the_new_prices_seeds_nulls(
    make_registry: RegistryFactory, tmp_path: Path
) -> None:
    seed = compile_registry(make_registry({"acme": ACME}))["seed.sql"].decode()
    with sqlite3.connect(tmp_path / "app.db") as connection:
        connection.executescript(seed)
        [row] = connection.execute(
            "SELECT cache_read_price_per_token, price_tiers, status_since, replaced_by FROM models"
        ).fetchall()
    connection.close()
    assert row == (None, None, None, None)


@pytest.mark.parametrize(
    ("models", "code", "fragment"),
    [
        # A loop through three models is found from each of them.
        (
            acme_model("a", "status: retired", "replaced_by: b")
            + acme_model("b", "status: retired", "replaced_by: c")
            + acme_model("c", "status: deprecated", "replaced_by: a"),
            "E321",
            "a -> b -> c -> a",
        ),
        # A chain must end at a model in service: retired or deprecated, by status or flag.
        (
            acme_model("a", "status: retired", "replaced_by: b")
            + acme_model("b", "status: retired", "replaced_by: c")
            + acme_model("c", "status: retired"),
            "E322",
            "'c', which is retired",
        ),
        (
            acme_model("a", "status: retired", "replaced_by: b")
            + acme_model("b", "deprecated: true"),
            "E322",
            "'b', which is deprecated",
        ),
    ],
)
def test_replacement_chains_are_checked_across_models(
    make_registry: RegistryFactory, models: str, code: str, fragment: str
) -> None:
    diagnostics = validate_registry(make_registry({"acme": ACME_HEAD + models})).diagnostics
    found = [d for d in diagnostics if d.code == code]
    assert found, diagnostics
    assert any(fragment in d.message for d in found), found


def test_a_chain_ending_in_service_is_valid(make_registry: RegistryFactory) -> None:
    models = (
        acme_model("a", "status: retired", 'since: "2025-06-30"', "replaced_by: b")
        + acme_model("b", "status: deprecated", "replaced_by: c")
        + acme_model("c", "status: active", 'since: "2026-01-01"')
        + acme_model("d", "deprecated: true", "status: deprecated", "replaced_by: c")
    )
    result = validate_registry(make_registry({"acme": ACME_HEAD + models}))
    assert result.diagnostics == []
    assert result.warnings == []


def test_deprecated_by_status_without_replacement_warns_at_status(
    make_registry: RegistryFactory,
) -> None:
    text = ACME_HEAD + acme_model("a", "status: deprecated")
    result = validate_registry(make_registry({"acme": text}))
    assert [(w.code, w.line) for w in result.warnings] == [
        ("W008", text.splitlines().index("    status: deprecated") + 1)
    ]


def test_sync_deprecates_through_status_where_a_model_has_one(
    make_registry: RegistryFactory,
) -> None:
    from llm_registry.codegen.sync import plan_sync
    from llm_registry.runtime._discovery.dialects import ListedModel

    text = (
        ACME_HEAD
        + acme_model("a", "status: active")
        + acme_model("b")
        + acme_model("c", "status: retired")
    )
    plan = plan_sync(text, (ListedModel(model_id="x"), ListedModel(model_id="y")), force=True)
    # a and b left the listing; c is retired already and stays as it is.
    assert plan.deprecated == ("a", "b")
    result = validate_registry(make_registry({"acme": plan.text}))
    assert result.diagnostics == []  # no deprecated: true beside status: active (E341)
    assert "  - id: a\n" in plan.text and "    status: deprecated\n" in plan.text
    assert "    deprecated: true\n" in plan.text  # b, which had no status
