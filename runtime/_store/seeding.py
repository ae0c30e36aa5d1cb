"""Applying a registry's seed (its generated ``seed.sql``) to a database.

A seed is read from the registry (a missing one is None, an unreadable one a
:class:`ModelStoreError`), refused when it was generated for a newer layout than this release
knows, and run as one script; its SHA-256 is then recorded in ``store_meta`` (`_store.meta`),
which is how a store opening the file tells whether the registry's seed changed since, and
selections on the models it retired move to their replacements (`_store.selection`).
"""

from __future__ import annotations

import hashlib
import sqlite3
from typing import TYPE_CHECKING

from llm_registry.runtime._store.connection import Database, ModelStoreError
from llm_registry.runtime._store.meta import SEED_KEY, meta_value, set_meta
from llm_registry.runtime._store.schema import (
    SCHEMA_VERSION,
    declared_version,
    without_declared_version,
)
from llm_registry.runtime._store.selection import move_retired_selections

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

__all__ = ["applied_seed_digest", "read_seed", "run_seed", "seed_digest"]


def read_seed(seed: Traversable) -> str | None:
    """The seed's text; None when the registry has none (not generated yet)."""
    try:
        return seed.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ModelStoreError(f"cannot read the registry seed {seed}: {exc}") from None


def seed_digest(seed: str) -> str:
    return hashlib.sha256(seed.encode("utf-8")).hexdigest()


def applied_seed_digest(db: Database) -> str | None:
    """The digest of the seed last applied to the database, if any."""
    return db.read(lambda conn: meta_value(conn, SEED_KEY))


def run_seed(db: Database, seed: str) -> None:
    """Apply ``seed`` to a database already at the current layout, and record it."""
    declared = declared_version(seed)
    if declared is not None and declared > SCHEMA_VERSION:
        raise ModelStoreError(
            f"the registry seed was generated for layout version {declared}, newer than the "
            f"{SCHEMA_VERSION} this release of llm-provider-registry knows; upgrade it, or "
            "regenerate the registry with this release"
        )
    # The file is at the current layout already: the seed's CREATE TABLE IF NOT EXISTS
    # statements do nothing, and its version is not allowed to set the file's back.
    db.write_script(without_declared_version(seed))
    digest = seed_digest(seed)

    def record(conn: sqlite3.Connection) -> None:
        set_meta(conn, SEED_KEY, digest)
        move_retired_selections(conn)

    db.write(record)
