"""The model database's layout: the one definition of its tables, and how older files upgrade.

Everything that creates these tables reads them from here: the compiler renders :func:`seed_ddl`
into every generated ``seed.sql`` (so a database made with ``sqlite3 app.db < seed.sql`` has the
store's layout), and the store creates and upgrades files with `Layout.upgrade_statements`. This
module uses the standard library only, so that the compiler can import it.

The layout is versioned in SQLite's ``PRAGMA user_version``. Version 1 is the layout as it was
before versions were recorded; a file without a version (``user_version = 0``: made by an
older store, or by an older seed.sql, which created only ``providers`` and ``models``) is
upgraded to version 1 by creating what it lacks. Each element names the version that added it
(``since``), and the upgrade to version N is derived from that: ``CREATE TABLE`` for the tables
new in N, ``ALTER TABLE … ADD COLUMN`` for the columns new in N, ``CREATE INDEX`` for its
indexes, then the extra statements of N (data moves, retired objects). So a release that adds
a column adds one :class:`Column` with the next ``since``; a column added later must be
addable by ``ALTER TABLE`` (nullable or with a constant default, neither PRIMARY KEY nor
UNIQUE). Rows, and the user's columns, are never dropped or rewritten by an upgrade.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

__all__ = [
    "LAYOUT",
    "SCHEMA_VERSION",
    "Column",
    "Index",
    "Layout",
    "Table",
    "declared_version",
    "seed_ddl",
    "without_declared_version",
]


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    definition: str  # type and constraints: "INTEGER NOT NULL DEFAULT 0"
    since: int = 1


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    constraints: tuple[str, ...] = ()  # table constraints, e.g. a composite PRIMARY KEY
    since: int = 1

    def create(self, version: int) -> str:
        """``CREATE TABLE IF NOT EXISTS`` with the columns the table has at ``version``."""
        # Columns added later come last, in the order an ALTER TABLE would have added them,
        # so a created table and an upgraded one list their columns alike.
        columns = sorted((c for c in self.columns if c.since <= version), key=lambda c: c.since)
        lines = [f"{c.name} {c.definition}" for c in columns] + list(self.constraints)
        body = ",\n".join(f"    {line}" for line in lines)
        return f"CREATE TABLE IF NOT EXISTS {self.name} (\n{body}\n);"


@dataclass(frozen=True, slots=True)
class Index:
    name: str
    table: str
    columns: tuple[str, ...]
    since: int = 1

    def create(self) -> str:
        return (
            f"CREATE INDEX IF NOT EXISTS {self.name} ON {self.table} ({', '.join(self.columns)});"
        )


@dataclass(frozen=True, slots=True)
class Layout:
    tables: tuple[Table, ...]
    indexes: tuple[Index, ...] = ()
    # Statements run after the derived DDL of an upgrade to that version.
    extra_steps: Mapping[int, tuple[str, ...]] = field(default_factory=dict)

    @property
    def version(self) -> int:
        """The newest version anything in the layout names."""
        return max(
            [t.since for t in self.tables]
            + [c.since for t in self.tables for c in t.columns]
            + [i.since for i in self.indexes]
            + list(self.extra_steps)
        )

    def ddl(self, version: int | None = None) -> str:
        """Every table and index as of ``version`` (default: the newest), ``IF NOT EXISTS``."""
        at = self.version if version is None else version
        statements = [t.create(at) for t in self.tables if t.since <= at]
        statements += [i.create() for i in self.indexes if i.since <= at]
        return "\n\n".join(statements)

    def upgrade_statements(
        self, from_version: int, existing: Mapping[str, frozenset[str]] | None = None
    ) -> list[str]:
        """The statements that bring a file at ``from_version`` to the newest version, ending
        with the new ``PRAGMA user_version``; none when there is nothing to do. ``existing``
        (table name → its columns) leaves out columns a file has already: one whose version
        was lost (``user_version`` reset by a tool) still upgrades."""
        statements: list[str] = []
        for version in range(from_version + 1, self.version + 1):
            statements += self._steps_to(version, existing or {})
        if statements:
            statements.append(f"PRAGMA user_version = {self.version};")
        return statements

    def _steps_to(self, version: int, existing: Mapping[str, frozenset[str]]) -> list[str]:
        steps = [t.create(version) for t in self.tables if t.since == version]
        steps += [
            f"ALTER TABLE {t.name} ADD COLUMN {c.name} {c.definition};"
            for t in self.tables
            if t.since < version
            for c in t.columns
            if c.since == version and c.name not in existing.get(t.name, frozenset())
        ]
        steps += [i.create() for i in self.indexes if i.since == version]
        steps += [f"{statement.rstrip(';')};" for statement in self.extra_steps.get(version, ())]
        return steps


# Which columns belong to whom (the seed, discovery, the user) is documented in
# `_store.store`; the seed's upsert never writes the user's (is_hidden, is_selected).
LAYOUT: Final = Layout(
    tables=(
        Table(
            "providers",
            (
                Column("id", "TEXT PRIMARY KEY"),
                Column("display_name", "TEXT NOT NULL"),
                Column("base_url", "TEXT NOT NULL"),
                Column("implementation", "TEXT NOT NULL"),
                Column("requires_api_key", "INTEGER NOT NULL"),
                Column("api_key_env", "TEXT"),
                Column("discovery_dialect", "TEXT NOT NULL"),
                Column("display_order", "INTEGER NOT NULL"),
                Column("in_registry", "INTEGER NOT NULL DEFAULT 1"),
            ),
        ),
        Table(
            "models",
            (
                Column("id", "TEXT PRIMARY KEY"),
                Column("provider_id", "TEXT NOT NULL"),
                Column("model_id", "TEXT NOT NULL"),
                Column("display_name", "TEXT NOT NULL"),
                Column("is_enabled", "INTEGER NOT NULL DEFAULT 1"),
                Column("is_internal", "INTEGER NOT NULL DEFAULT 0"),
                Column("is_deprecated", "INTEGER NOT NULL DEFAULT 0"),
                Column("supported_attachment_types", "TEXT NOT NULL DEFAULT '[]'"),
                Column("context_window", "INTEGER"),
                Column("max_output_tokens", "INTEGER"),
                Column("prompt_price_per_token", "REAL"),
                Column("completion_price_per_token", "REAL"),
                Column("supports_tools", "INTEGER NOT NULL DEFAULT 0"),
                Column("supports_reasoning", "INTEGER NOT NULL DEFAULT 0"),
                Column(
                    "source",
                    "TEXT NOT NULL DEFAULT 'registry' CHECK (source IN ('registry', 'api'))",
                ),
                Column("in_registry", "INTEGER NOT NULL DEFAULT 0"),
                Column("is_hidden", "INTEGER NOT NULL DEFAULT 0"),
                Column("is_selected", "INTEGER NOT NULL DEFAULT 0"),
                # Version 2: the rest of the prices (per token; tiers as JSON, see
                # codegen/ir.py) and the model's lifecycle, all the seed's.
                Column("cache_read_price_per_token", "REAL", since=2),
                Column("cache_write_price_per_token", "REAL", since=2),
                Column("cache_write_1h_price_per_token", "REAL", since=2),
                Column("reasoning_price_per_token", "REAL", since=2),
                Column("price_tiers", "TEXT", since=2),
                Column("status", "TEXT NOT NULL DEFAULT 'active'", since=2),
                Column("status_since", "TEXT", since=2),
                Column("replaced_by", "TEXT", since=2),
            ),
        ),
        # The discovery cache, keyed by a SHA-256 of the base URL (which may carry credentials).
        Table(
            "discovery_cache",
            (
                Column("provider_id", "TEXT NOT NULL"),
                Column("base_url_hash", "TEXT NOT NULL"),
                Column("fetched_at", "REAL NOT NULL"),
                Column("models_json", "TEXT NOT NULL"),
            ),
            constraints=("PRIMARY KEY (provider_id, base_url_hash)",),
        ),
        # The store's own records: the digest of the seed last applied, the registry's package.
        Table(
            "store_meta",
            (
                Column("key", "TEXT PRIMARY KEY"),
                Column("value", "TEXT NOT NULL"),
            ),
        ),
    ),
    indexes=(Index("models_by_provider", "models", ("provider_id",)),),
    extra_steps={
        # Stores before version 1 kept this beside the identical models_by_provider: every
        # write paid for both.
        1: ("DROP INDEX IF EXISTS discovery_models_by_provider",),
        # Until the next seed says otherwise, a deprecated row's status is deprecated.
        2: ("UPDATE models SET status = 'deprecated' WHERE is_deprecated = 1",),
    },
)

SCHEMA_VERSION: Final = LAYOUT.version

_DECLARED_VERSION: Final = re.compile(
    r"^[ \t]*PRAGMA[ \t]+user_version[ \t]*=[ \t]*(\d+)[ \t]*;[ \t]*\n?",
    re.IGNORECASE | re.MULTILINE,
)


def seed_ddl() -> str:
    """What a generated seed.sql starts with: the newest layout and its version."""
    return f"{LAYOUT.ddl()}\n\nPRAGMA user_version = {SCHEMA_VERSION};"


def declared_version(script: str) -> int | None:
    """The layout version a seed script declares (its ``PRAGMA user_version``), if any."""
    found = _DECLARED_VERSION.search(script)
    return None if found is None else int(found.group(1))


def without_declared_version(script: str) -> str:
    """A seed script without its ``PRAGMA user_version``: the store records versions itself,
    so that a seed made by an older compiler cannot set a newer file's version back."""
    return _DECLARED_VERSION.sub("", script)
