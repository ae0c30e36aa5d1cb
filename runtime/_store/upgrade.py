"""Bringing a model database file to the layout's version, in place (see `_store.schema`)."""

from __future__ import annotations

import sqlite3

from llm_registry.runtime._store.connection import Database, ModelStoreError
from llm_registry.runtime._store.schema import LAYOUT, Layout

__all__ = ["layout_version", "upgrade_layout"]


def layout_version(conn: sqlite3.Connection) -> int:
    """The file's ``PRAGMA user_version``: 0 for a new file or one made before versions."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def upgrade_layout(db: Database, layout: Layout = LAYOUT) -> None:
    """Create the layout in a new file, or upgrade an older one; one transaction, so a file is
    either upgraded whole or left as it was. A file newer than ``layout`` is refused: this
    release would not know what the newer columns mean to the release that added them."""
    if db.read(layout_version) == layout.version:
        return  # the common case: one read, no write lock

    def upgrade(conn: sqlite3.Connection) -> None:
        # Read again under the write lock: another process may have upgraded meanwhile.
        found = layout_version(conn)
        if found > layout.version:
            raise ModelStoreError(
                f"the model database {db.path} has layout version {found}, newer than the "
                f"{layout.version} this release of llm-provider-registry knows; upgrade "
                "llm-provider-registry, or use another database file"
            )
        for statement in layout.upgrade_statements(found, _columns(conn, layout)):
            conn.execute(statement)

    db.write(upgrade)


def _columns(conn: sqlite3.Connection, layout: Layout) -> dict[str, frozenset[str]]:
    """The columns each of the layout's tables has in the file now (none for a missing one)."""
    return {
        table.name: frozenset(
            str(row[1]) for row in conn.execute(f"PRAGMA table_info({table.name})")
        )
        for table in layout.tables
    }
