"""Reading what can still be read from a damaged model database, table by table, row by row.

A damaged page costs the rows on it, not the table: rows are read in rowid order until the
first unreadable page, then from the other end back to it, then one by one across the gap
between (a point lookup reads only the pages on its own path). The rowids a table's indexes
still hold name the rows that are gone (``models``' primary-key index gives their model ids).
Only the tables and columns of the current layout are read; nothing here writes.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Final

from llm_registry.runtime._store.schema import LAYOUT, Table

__all__ = ["SalvagedTable", "salvage_tables"]

_FIRST_ROWID: Final = -(2**63)
_LAST_ROWID: Final = 2**63 - 1
# Rowids probed one by one between the readable ends of a table; ours are dense and small.
_MAX_PROBES: Final = 200_000


@dataclass(slots=True)
class SalvagedTable:
    """What could be read of one table: its readable rows (column name -> value), and the keys
    (from an index) or rowids of the rows that could not be read."""

    name: str
    columns: tuple[str, ...] = ()
    rows: list[tuple[object, ...]] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    unreadable: str | None = None  # why the table could not be read at all


def salvage_tables(conn: sqlite3.Connection) -> list[SalvagedTable]:
    """Every table of the layout, as much of it as can be read through ``conn``."""
    return [_salvage_table(conn, table) for table in LAYOUT.tables]


def _salvage_table(conn: sqlite3.Connection, table: Table) -> SalvagedTable:
    result = SalvagedTable(table.name)
    try:
        present = {str(row[1]) for row in conn.execute(f"PRAGMA table_info({table.name})")}
    except sqlite3.DatabaseError as exc:
        result.unreadable = str(exc)
        return result
    if not present:
        result.unreadable = "the table is missing"
        return result
    result.columns = tuple(c.name for c in table.columns if c.name in present)
    rows, failed = _readable_rows(conn, table.name, result.columns)
    keys = _index_keys(conn, table.name)
    result.rows = [rows[rowid] for rowid in sorted(rows)]
    gone = sorted((set(keys) | failed) - set(rows))
    result.lost = [keys.get(rowid, f"rowid {rowid}") for rowid in gone]
    return result


def _readable_rows(
    conn: sqlite3.Connection, table: str, columns: tuple[str, ...]
) -> tuple[dict[int, tuple[object, ...]], set[int]]:
    """(rowid -> row for every row read, rowids whose lookup failed)."""
    select = f"SELECT rowid, {', '.join(_quoted(c) for c in columns)} FROM {table}"
    rows: dict[int, tuple[object, ...]] = {}
    low, complete = _scan(conn, f"{select} WHERE rowid > ? ORDER BY rowid", _FIRST_ROWID, rows)
    if complete:
        return rows, set()
    high, _ = _scan(conn, f"{select} WHERE rowid < ? ORDER BY rowid DESC", _LAST_ROWID, rows)
    candidates = set(_index_keys(conn, table))
    if low != _FIRST_ROWID and high != _LAST_ROWID and high - low <= _MAX_PROBES:
        candidates.update(range(low + 1, high))
    failed: set[int] = set()
    for rowid in sorted(candidates - set(rows)):
        try:
            row = conn.execute(f"{select} WHERE rowid = ?", (rowid,)).fetchone()
        except sqlite3.DatabaseError:
            failed.add(rowid)
            continue
        if row is not None:
            rows[int(row[0])] = tuple(row[1:])
    return rows, failed


def _scan(
    conn: sqlite3.Connection, sql: str, start: int, rows: dict[int, tuple[object, ...]]
) -> tuple[int, bool]:
    """Read rows in order from ``start`` until the end or the first error: (the last rowid
    read, or ``start``; whether the end was reached)."""
    last = start
    try:
        for row in conn.execute(sql, (start,)):
            last = int(row[0])
            rows[last] = tuple(row[1:])
    except sqlite3.DatabaseError:
        return last, False
    return last, True


def _index_keys(conn: sqlite3.Connection, table: str) -> dict[int, str]:
    """rowid -> primary key (as text) of every entry the table's indexes still hold."""
    keys: dict[int, str] = {}
    try:
        indexes = [
            (str(row[1]), str(row[3])) for row in conn.execute(f"PRAGMA index_list({table})")
        ]
    except sqlite3.DatabaseError:
        return keys
    for name, origin in indexes:
        try:
            columns = [str(row[2]) for row in conn.execute(f"PRAGMA index_info({name})")]
        except sqlite3.DatabaseError:
            continue
        shown = columns if origin == "pk" else []
        for order in ("ASC", "DESC"):
            sql = (
                f"SELECT rowid{''.join(', ' + _quoted(c) for c in shown)} FROM {table}"
                f" INDEXED BY {_quoted(name)}"
                f" ORDER BY {', '.join(f'{_quoted(c)} {order}' for c in columns)}"
            )
            try:
                for row in conn.execute(sql):
                    if shown or int(row[0]) not in keys:
                        keys[int(row[0])] = " ".join(str(v) for v in row[1:]) or f"rowid {row[0]}"
            except sqlite3.DatabaseError:
                continue
    return keys


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
