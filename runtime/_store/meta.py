"""The store's records about a database, in its ``store_meta`` table: the digest of the seed
last applied, and the registry the database belongs to.

A database belongs to one registry. The first store to open it records its registry's package
name (``registry_package``); a store for another registry then refuses the file with a
:class:`ModelStoreError` naming both, rather than re-seeding it with other providers (the rows
of the first registry would all turn "left the registry", and discovery would mix the two). A
database from before the record (an older store, or one made with ``sqlite3 app.db <
seed.sql``) is claimed by the first registry that opens it, unless it holds registry providers
and none of them is that registry's: then it is another's, and refused the same way.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Collection
from typing import Final

from llm_registry.runtime._store.connection import Database, ModelStoreError

__all__ = ["REGISTRY_KEY", "SEED_KEY", "claim_for_registry", "meta_value", "set_meta"]

SEED_KEY: Final = "seed_sha256"
REGISTRY_KEY: Final = "registry_package"

# How many of an unrecorded registry's providers a refusal names.
_NAMED_PROVIDERS: Final = 5


def meta_value(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM store_meta WHERE key = ?", (key,)).fetchone()
    return None if row is None else str(row[0])


def set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO store_meta (key, value) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def claim_for_registry(
    db: Database, package: str, provider_ids: Collection[str], *, elsewhere: str
) -> None:
    """Record that the database belongs to the registry ``package``, or refuse it when it
    belongs to another. ``elsewhere`` is where the refusal suggests this registry's own file."""
    if db.read(lambda conn: meta_value(conn, REGISTRY_KEY)) == package:
        return  # the common case: one read, no write lock

    def claim(conn: sqlite3.Connection) -> None:
        owner = meta_value(conn, REGISTRY_KEY)
        if owner is None:
            others = _other_registrys_providers(conn, provider_ids)
            if others:
                owner_named = f"another registry (not recorded; its providers: {others})"
                raise _refusal(db, owner_named, package, elsewhere)
        elif owner != package:
            raise _refusal(db, f"the registry {owner!r}", package, elsewhere)
        set_meta(conn, REGISTRY_KEY, package)

    db.write(claim)


def _refusal(db: Database, owner_named: str, package: str, elsewhere: str) -> ModelStoreError:
    return ModelStoreError(
        f"the model database {db.path} belongs to {owner_named}, not to the registry "
        f"{package!r}; a database seeded by one registry is not re-seeded by another. "
        f"Use a database of its own for {package!r} (its default is {elsewhere}), or "
        "open this one with the registry it belongs to"
    )


def _other_registrys_providers(conn: sqlite3.Connection, provider_ids: Collection[str]) -> str:
    """The unrecorded registry's providers when none of them is in ``provider_ids``; "" when
    the database holds no registry provider or shares one with ``provider_ids``."""
    seeded = [
        row[0]
        for row in conn.execute(
            "SELECT id FROM providers WHERE in_registry = 1 ORDER BY display_order, id"
        )
    ]
    if not seeded or any(provider_id in provider_ids for provider_id in seeded):
        return ""
    named = ", ".join(seeded[:_NAMED_PROVIDERS])
    return named + (", …" if len(seeded) > _NAMED_PROVIDERS else "")
