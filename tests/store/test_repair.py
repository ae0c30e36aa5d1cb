"""`db repair` on a partly damaged file: the backup is the damaged file byte for byte, every
row that can still be read is carried over with the user's columns, what is lost is named,
and the registry's models come back from the seed."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from llm_registry.runtime._store.repair import check_database, repair_database
from llm_registry.runtime._store.store import ModelStore
from tests.store.conftest import (
    DISCOVERED,
    cli,
    damaged_in_the_middle,
    discovered_id,
    populated_database,
    registry,
)

Row = tuple[str, int, str, int]  # id, is_hidden, source, in_registry


def model_rows(path: Path) -> dict[str, Row]:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        rows = conn.execute("SELECT id, is_hidden, source, in_registry FROM models").fetchall()
    return {str(row[0]): (str(row[0]), int(row[1]), str(row[2]), int(row[3])) for row in rows}


def cache_count(path: Path) -> int:
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return int(conn.execute("SELECT count(*) FROM discovery_cache").fetchone()[0])


def test_repair_keeps_what_can_be_read(tmp_path: Path) -> None:
    path = populated_database(tmp_path / "models.db")
    before = model_rows(path)
    damaged_in_the_middle(path)
    damaged_bytes = path.read_bytes()
    assert not check_database(path).healthy

    served = registry()
    seed = served.seed_sql.read_text(encoding="utf-8")
    report = repair_database(path, registry=served, seed=seed)

    assert report.backup.parent == path.parent and report.backup.name.startswith(
        "models.db.damaged-"
    )
    assert report.backup.read_bytes() == damaged_bytes
    assert check_database(path).healthy

    models = next(t for t in report.tables if t.table == "models")
    # Only a table leaf was damaged: its primary-key index still names every lost row.
    lost = set(models.lost)
    assert lost and lost < set(before), "partly damaged: some rows lost, not all"
    after = model_rows(path)
    for model_id, row in before.items():
        if model_id in lost:
            if row[3]:  # a registry model: back from the seed, without the user's choice
                assert after[model_id][3] == 1
            else:
                assert model_id not in after
        else:
            assert after[model_id] == row, "kept whole, the user's column included"
    discovered_kept = [i for i in range(DISCOVERED) if discovered_id(i) in after]
    hidden_kept = [i for i in discovered_kept if after[discovered_id(i)][1]]
    assert len(discovered_kept) >= DISCOVERED // 2
    assert hidden_kept and all(i % 3 == 0 for i in hidden_kept)
    assert cache_count(path) == 1

    # The repaired file is an ordinary store file again.
    store = ModelStore(path, registry=registry())
    assert store.set_hidden(discovered_id(discovered_kept[-1]), True)
    store.close()


def test_cli_repair(tmp_path: Path) -> None:
    path = populated_database(tmp_path / "models.db")
    before = model_rows(path)
    damaged_in_the_middle(path)
    damaged_bytes = path.read_bytes()

    completed = cli("db", "repair", "--db", str(path))
    assert completed.returncode == 0, completed.stderr
    lines = completed.stdout.splitlines()
    assert lines[0].startswith("backed up the damaged file to ")
    backup = Path(lines[0].removeprefix("backed up the damaged file to "))
    assert backup.parent == path.parent and backup.read_bytes() == damaged_bytes
    models_line = next(line for line in lines if line.strip().startswith("models: kept "))
    assert ", lost " in models_line and "wire-openai::" in models_line, "lost rows are named"
    assert any("hidden choices kept: " in line for line in lines)

    assert cli("db", "check", "--db", str(path)).returncode == 0
    kept = set(model_rows(path)) & set(before)
    assert len(kept) > len(before) // 2
    # A later repair of a healthy file changes nothing and makes no second backup.
    again = cli("db", "repair", "--db", str(path))
    assert again.returncode == 0 and "nothing to repair" in again.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["models.db", backup.name])

    hide = cli("models", "hide", next(iter(sorted(kept))), "--db", str(path))
    assert hide.returncode == 0, hide.stderr


def test_backups_never_overwrite(tmp_path: Path) -> None:
    served = registry()
    seed = served.seed_sql.read_text(encoding="utf-8")
    backups = []
    for _ in range(2):
        path = populated_database(tmp_path / "models.db")
        damaged_in_the_middle(path)
        damaged_bytes = path.read_bytes()
        backups.append((repair_database(path, registry=served, seed=seed).backup, damaged_bytes))
        path.unlink()
    assert backups[0][0] != backups[1][0]
    for backup, damaged_bytes in backups:
        assert backup.read_bytes() == damaged_bytes


def test_repair_refuses_another_registrys_file(tmp_path: Path) -> None:
    path = populated_database(tmp_path / "models.db")
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("UPDATE store_meta SET value = 'someone.elses' WHERE key = 'registry_package'")
    damaged_in_the_middle(path)
    damaged_bytes = path.read_bytes()
    completed = cli("db", "repair", "--db", str(path))
    assert completed.returncode == 1
    assert "someone.elses" in completed.stderr and completed.stderr.startswith("error: ")
    assert path.read_bytes() == damaged_bytes
    assert [p.name for p in tmp_path.iterdir()] == ["models.db"]


def test_repair_reads_and_backs_up_the_write_ahead_log(tmp_path: Path) -> None:
    """A file left with a write-ahead log (an app that crashed): the choices in the log are
    kept, and the backup holds the log beside the file."""
    path = populated_database(tmp_path / "models.db")
    damaged_in_the_middle(path)
    wal = Path(f"{path}-wal")
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    conn.execute("UPDATE discovery_cache SET fetched_at = 12345")
    left_behind = {path: path.read_bytes(), wal: wal.read_bytes()}
    conn.close()  # folds the log into the file: put back what a crash would have left
    for file, data in left_behind.items():
        file.write_bytes(data)

    completed = cli("db", "repair", "--db", str(path))
    assert completed.returncode == 0, completed.stderr
    backup = Path(completed.stdout.splitlines()[0].removeprefix("backed up the damaged file to "))
    assert backup.read_bytes() == left_behind[path]
    assert Path(f"{backup}-wal").read_bytes() == left_behind[wal]
    assert not wal.exists() or wal.stat().st_size == 0, "the old log is not applied to the new file"
    with contextlib.closing(sqlite3.connect(path)) as check:
        fetched_at = check.execute("SELECT fetched_at FROM discovery_cache").fetchall()
    assert fetched_at == [(12345.0,)]
