"""A damaged database is noticed when a store opens it, before anything is written: the library
raises ModelStoreError naming `llm-registry db repair`, every writing command fails with one
`error:` line and exit 1, and the file is left exactly as it was."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from llm_registry.runtime import ModelStoreError
from llm_registry.runtime._discovery.dialects import ListedModel
from llm_registry.runtime._store.records import ModelInfo
from llm_registry.runtime._store.store import ModelStore
from tests.discovery.listings import openai_listing
from tests.loopback import LoopbackServer
from tests.loopback.responders import json_body
from tests.store.conftest import (
    PROVIDER,
    PROVIDER_URL,
    cli,
    damaged_in_the_middle,
    discovered_id,
    populated_database,
    registry,
)

NEW = ModelInfo(id=f"{PROVIDER}::new", provider_id=PROVIDER, model_id="new", display_name="new")

WRITES: dict[str, Callable[[ModelStore], object]] = {
    "set_hidden": lambda store: store.set_hidden(discovered_id(1), True),
    "save_discovery": lambda store: store.save_discovery(
        PROVIDER, PROVIDER_URL, [ListedModel(model_id="new")], [NEW]
    ),
    "save_listing": lambda store: store.save_listing(
        PROVIDER, "http://127.0.0.1:9/v1", [ListedModel(model_id="new")]
    ),
    "apply_seed": lambda store: store.apply_seed(),
}


@pytest.fixture
def damaged(tmp_path: Path) -> Path:
    path = populated_database(tmp_path / "models.db")
    damaged_in_the_middle(path)
    return path


@pytest.mark.parametrize("write", sorted(WRITES))
def test_library_writes_refuse_a_damaged_file(damaged: Path, write: str) -> None:
    before = damaged.read_bytes()
    store = ModelStore(damaged, registry=registry())
    with pytest.raises(ModelStoreError) as raised:
        WRITES[write](store)
    store.close()
    message = str(raised.value)
    assert "is damaged" in message and str(damaged) in message
    assert "llm-registry db repair" in message
    assert damaged.read_bytes() == before, "nothing written to a damaged file"


def test_a_healthy_file_is_written_as_before(tmp_path: Path) -> None:
    path = populated_database(tmp_path / "models.db")
    store = ModelStore(path, registry=registry())
    assert store.set_hidden(discovered_id(1), True)
    assert next(m for m in store.models(PROVIDER) if m.id == discovered_id(1)).is_hidden


@pytest.mark.parametrize(
    ("args", "success"),
    [
        (("seed",), "seeded"),
        (("models", "hide", discovered_id(1)), "hidden"),
        (("models", "show", discovered_id(0)), "shown"),
        (("refresh",), "refreshing"),
        (("models", PROVIDER), f"{PROVIDER}:"),
    ],
)
def test_writing_commands_refuse_a_damaged_file(
    damaged: Path, args: tuple[str, ...], success: str
) -> None:
    before = damaged.read_bytes()
    completed = cli(*args, "--db", str(damaged), key=True)
    assert completed.returncode == 1, completed.stdout
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert "is damaged" in lines[0] and "llm-registry db repair" in lines[0]
    if args[0] != "refresh":  # refresh announces itself before it opens the database
        assert success not in completed.stdout
    assert damaged.read_bytes() == before


def test_refresh_with_a_live_server_refuses_a_damaged_file(damaged: Path) -> None:
    with LoopbackServer() as server:
        server.route("/v1/models", json_body(openai_listing(["gpt-5.5"])))
        completed = cli(
            "models",
            PROVIDER,
            "--refresh",
            "--base-url",
            f"{server.origin}/v1",
            "--db",
            str(damaged),
            key=True,
        )
    assert completed.returncode == 1
    assert completed.stderr.startswith("error: ") and "is damaged" in completed.stderr


def test_db_check(tmp_path: Path) -> None:
    healthy = populated_database(tmp_path / "healthy.db")
    completed = cli("db", "check", "--db", str(healthy))
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith("ok: ")

    damaged = populated_database(tmp_path / "damaged.db")
    damaged_in_the_middle(damaged)
    completed = cli("db", "check", "--db", str(damaged))
    assert completed.returncode == 1
    assert completed.stderr.startswith("error: ") and "is damaged" in completed.stderr
    assert "db repair" in completed.stderr

    missing = cli("db", "check", "--db", str(tmp_path / "missing.db"))
    assert missing.returncode == 1 and "no model database" in missing.stderr
    assert not (tmp_path / "missing.db").exists(), "a check creates nothing"


def test_a_file_that_is_no_database(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database\n" * 500, encoding="utf-8")
    for args in (("seed",), ("db", "check"), ("db", "repair")):
        completed = cli(*args, "--db", str(notes))
        assert completed.returncode == 1, args
        assert completed.stderr.startswith("error: ")
    assert notes.read_text(encoding="utf-8") == "not a database\n" * 500
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"], "no backup, no new file"
