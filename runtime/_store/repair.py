"""Checking a model database for damage, and repairing a damaged one.

:func:`check_database` runs SQLite's full ``PRAGMA integrity_check`` (pages, b-trees, and that
every index agrees with its table). :func:`repair_database` never loses the damaged file: it
copies it next to itself first (``<name>.damaged-<UTC time>``, never overwriting a file), then
builds a new file beside it from what can still be read (`_store.salvage`: every readable row
of every table, the user's columns with them), applies the registry's seed over it (which
brings back the registry's providers and models on the damaged pages, and never writes the
user's columns), and only then puts it in the damaged file's place.

Apps using the database should be stopped while it is repaired: a process that keeps the old
file open goes on writing to the file that was replaced.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from llm_registry.runtime._registry import Registry
from llm_registry.runtime._store.connection import ModelStoreError, is_damage
from llm_registry.runtime._store.meta import REGISTRY_KEY, SEED_KEY
from llm_registry.runtime._store.salvage import SalvagedTable, salvage_tables
from llm_registry.runtime._store.schema import LAYOUT, SCHEMA_VERSION

__all__ = ["CheckReport", "RepairReport", "TableReport", "check_database", "repair_database"]

SQLITE_HEADER: Final = b"SQLite format 3\x00"
_SIDE_FILES: Final = ("-wal", "-shm", "-journal")
# How many problems a check reports (SQLite may find thousands on one torn page).
_MAX_PROBLEMS: Final = 20


@dataclass(frozen=True, slots=True)
class CheckReport:
    path: Path
    problems: tuple[str, ...]  # empty when the file is healthy

    @property
    def healthy(self) -> bool:
        return not self.problems


@dataclass(frozen=True, slots=True)
class TableReport:
    table: str
    kept: int  # rows carried over into the repaired file
    lost: tuple[str, ...]  # keys (or rowids) of rows that could not be read, or not be kept
    unreadable: str | None = None  # why the whole table could not be read


@dataclass(frozen=True, slots=True)
class RepairReport:
    path: Path
    backup: Path
    tables: tuple[TableReport, ...]
    hidden_kept: int  # models whose hidden choice was carried over


def check_database(path: Path) -> CheckReport:
    """What is wrong with the database file at ``path`` (nothing: healthy). Reads a copy, so
    that the file (and its write-ahead log, which a reader's close would fold into it) stays
    exactly as it is, for a repair to back up."""
    _require_file(path)
    if not _has_sqlite_header(path):
        return CheckReport(path, ("the file does not start with the SQLite header",))
    with _connection_to_a_copy(path) as conn:
        try:
            rows = conn.execute(f"PRAGMA integrity_check({_MAX_PROBLEMS})").fetchall()
            problems = tuple(str(row[0]) for row in rows)
        except sqlite3.Error as exc:
            if not is_damage(exc):
                raise ModelStoreError(f"cannot read the model database {path}: {exc}") from None
            problems = (str(exc),)
    return CheckReport(path, () if problems == ("ok",) else problems)


def repair_database(path: Path, *, registry: Registry, seed: str) -> RepairReport:
    """Back up the damaged file at ``path``, rebuild it from what can be read and the seed of
    ``registry`` (the script ``seed``), and report what was kept and lost."""
    _require_file(path)
    if not _has_sqlite_header(path):
        raise ModelStoreError(
            f"{path} does not start with the SQLite header: it is not a model database, or its "
            "first page is gone; it is left as it is (point --db at the model database)"
        )
    tables = _salvage_copy(path)
    _refuse_other_registry(path, tables, registry.package)
    backup = _backup(path)
    rebuilt = path.with_name(path.name + ".rebuilding")
    _remove_with_side_files(rebuilt)
    try:
        reports = _build(rebuilt, tables, registry, seed)
        for suffix in _SIDE_FILES:  # the old file's log must not be applied to the new one
            Path(str(path) + suffix).unlink(missing_ok=True)
        os.replace(rebuilt, path)
    except BaseException:
        _remove_with_side_files(rebuilt)
        raise
    return RepairReport(path, backup, reports, _hidden_count(tables))


def _require_file(path: Path) -> None:
    if not path.is_file():
        raise ModelStoreError(f"there is no model database at {path} (one is created on first use)")


def _has_sqlite_header(path: Path) -> bool:
    try:
        with path.open("rb") as file:
            return file.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError as exc:
        raise ModelStoreError(f"cannot read the model database {path}: {exc}") from None


def _salvage_copy(path: Path) -> list[SalvagedTable]:
    """Salvage from a copy, so that reading (which may recover or checkpoint a log) changes
    neither the damaged file nor what its backup will hold."""
    with _connection_to_a_copy(path) as conn:
        return salvage_tables(conn)


@contextlib.contextmanager
def _connection_to_a_copy(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection to a scratch copy of the database file and its write-ahead log; the copy
    is removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="llm-registry-db-") as folder:
        copy = Path(folder) / path.name
        _copy_with_side_files(path, copy)
        try:
            conn = sqlite3.connect(copy, isolation_level=None)
        except sqlite3.Error as exc:
            raise ModelStoreError(f"cannot open a copy of {path}: {exc}") from None
        try:
            yield conn
        finally:
            conn.close()


def _refuse_other_registry(path: Path, tables: Sequence[SalvagedTable], package: str) -> None:
    owner = _meta(tables).get(REGISTRY_KEY)
    if owner is not None and owner != package:
        raise ModelStoreError(
            f"the model database {path} belongs to the registry {owner!r}, not to {package!r}; "
            f"repair it with --package {owner}"
        )


def _backup(path: Path) -> Path:
    """Copy the file (and its write-ahead log, if any) to a new name beside it."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    for attempt in range(1000):
        name = f"{path.name}.damaged-{stamp}" + (f"-{attempt}" if attempt else "")
        backup = path.with_name(name)
        try:
            with path.open("rb") as source, backup.open("xb") as target:
                shutil.copyfileobj(source, target)
        except FileExistsError:
            continue
        except OSError as exc:
            raise ModelStoreError(f"cannot back up {path} to {backup}: {exc}") from None
        wal = Path(str(path) + "-wal")
        if wal.exists():
            shutil.copyfile(wal, str(backup) + "-wal")
        return backup
    raise ModelStoreError(f"cannot find a free name to back up {path} beside it")


def _build(
    target: Path, tables: Sequence[SalvagedTable], registry: Registry, seed: str
) -> tuple[TableReport, ...]:
    from llm_registry.runtime._store.store import ModelStore

    conn = sqlite3.connect(target, isolation_level=None)
    try:
        conn.executescript(f"{LAYOUT.ddl()}\nPRAGMA user_version = {SCHEMA_VERSION};")
        conn.execute("BEGIN")
        reports = tuple(_insert(conn, table) for table in tables)
        conn.execute("COMMIT")
    finally:
        conn.close()
    store = ModelStore(target, registry=registry, auto_seed=False)
    try:
        store.apply_seed(seed)
    finally:
        store.close()
    with contextlib.closing(sqlite3.connect(target, isolation_level=None)) as conn:
        # One self-contained file to move into place; the store turns WAL back on when it opens.
        conn.execute("PRAGMA journal_mode=DELETE")
    return reports


def _insert(conn: sqlite3.Connection, table: SalvagedTable) -> TableReport:
    if table.unreadable is not None:
        return TableReport(table.name, 0, tuple(table.lost), table.unreadable)
    columns = ", ".join(table.columns)
    marks = ", ".join("?" for _ in table.columns)
    sql = f"INSERT OR IGNORE INTO {table.name} ({columns}) VALUES ({marks})"
    kept = 0
    refused: list[str] = []
    for row in table.rows:
        if table.name == "store_meta" and row[0] == SEED_KEY:
            continue  # the seed is applied anew, and records itself
        # A row the layout's constraints refuse (a value torn into another type) is lost too.
        if conn.execute(sql, row).rowcount == 1:
            kept += 1
        else:
            refused.append(str(row[0]))
    return TableReport(table.name, kept, (*table.lost, *refused))


def _meta(tables: Sequence[SalvagedTable]) -> dict[str, str]:
    for table in tables:
        if table.name == "store_meta" and table.columns == ("key", "value"):
            return {str(row[0]): str(row[1]) for row in table.rows}
    return {}


def _hidden_count(tables: Sequence[SalvagedTable]) -> int:
    for table in tables:
        if table.name == "models" and "is_hidden" in table.columns:
            at = table.columns.index("is_hidden")
            return sum(1 for row in table.rows if row[at])
    return 0


def _copy_with_side_files(source: Path, target: Path) -> None:
    try:
        shutil.copyfile(source, target)
        wal = Path(str(source) + "-wal")
        if wal.exists():
            shutil.copyfile(wal, str(target) + "-wal")
    except OSError as exc:
        raise ModelStoreError(f"cannot copy {source}: {exc}") from None


def _remove_with_side_files(path: Path) -> None:
    for suffix in ("", *_SIDE_FILES):
        Path(str(path) + suffix).unlink(missing_ok=True)
