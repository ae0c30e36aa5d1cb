"""The model store: one SQLite file holding the registry's providers and models, the user's
choices, and the discovery cache.

Ownership of the ``models`` columns:
  - the seed (the registry's ``seed.sql``) owns the registry metadata and ``in_registry``;
  - discovery owns ``is_enabled`` and ``source`` and the metadata of models the registry does
    not know;
  - the user owns ``is_hidden`` and ``is_selected``; only :meth:`ModelStore.set_hidden` and
    :meth:`ModelStore.set_selected` write them, except that a seed retiring a selected model
    moves its selection to the replacement (`_store.selection`).
Nothing here deletes a model row: conversations refer to models by id.

A store serves one registry (``registry=``; None is the curated one) and seeds from that
registry's ``seed_sql``; no registry package is named here. A database belongs to the registry
that first opened it: its package name is recorded in the file, and a store of another registry
refuses the file with a :class:`ModelStoreError` naming both (`_store.meta`). Registries are
also kept apart by design: :func:`default_database_path` gives each its own file.

The table layout and its upgrades are `_store.schema` (applied by `_store.upgrade`); connections,
transactions and retries are `_store.connection`; applying a seed is `_store.seeding`; the
cache's encoding is `_store.cache_codec`.
The discovery cache is keyed by provider id and a SHA-256 of the base URL (a base URL may carry
credentials in its user-info); it never holds a key.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Final, TypeVar

from llm_registry.runtime._discovery.dialects import ListedModel
from llm_registry.runtime._registry import CURATED_PACKAGE, Registry, resolve_registry
from llm_registry.runtime._store.cache_codec import base_url_hash, cache_entry, listing_from_json
from llm_registry.runtime._store.connection import Database, ModelStoreError
from llm_registry.runtime._store.meta import claim_for_registry
from llm_registry.runtime._store.records import (
    MODEL_COLUMNS,
    CachedListing,
    ModelInfo,
    SeedSummary,
    discovered_row,
    model_from_row,
)
from llm_registry.runtime._store.seeding import (
    applied_seed_digest,
    read_seed,
    run_seed,
    seed_digest,
)
from llm_registry.runtime._store.upgrade import upgrade_layout

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

__all__ = [
    "CachedListing",
    "ModelInfo",
    "ModelStore",
    "ModelStoreError",
    "SeedSummary",
    "base_url_hash",
    "default_database_path",
]

_T = TypeVar("_T")

APP_NAME: Final = "llm-provider-registry"
DATABASE_FILE: Final = "models.db"

# The columns a listing fills: the registry's own value wins for a model the registry knows.
_LISTED_COLUMNS: Final = (
    "display_name",
    "supported_attachment_types",
    "context_window",
    "max_output_tokens",
    "prompt_price_per_token",
    "completion_price_per_token",
    "supports_tools",
    "supports_reasoning",
)
_LISTING_WINS_UNLESS_IN_REGISTRY: Final = ",\n    ".join(
    f"{column} = CASE WHEN models.in_registry = 1 THEN models.{column} ELSE excluded.{column} END"
    for column in _LISTED_COLUMNS
)

_UPSERT_DISCOVERED: Final = f"""
INSERT INTO models (
    id, provider_id, model_id, display_name, is_enabled, is_internal, is_deprecated,
    supported_attachment_types, context_window, max_output_tokens,
    prompt_price_per_token, completion_price_per_token, supports_tools, supports_reasoning,
    source, in_registry
) VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'api', 0)
ON CONFLICT (id) DO UPDATE SET
    is_enabled = 1,
    source = 'api',
    -- The registry's metadata wins for the models it knows; the listing's for the others.
    -- is_deprecated, is_internal and in_registry belong to the seed; is_hidden and is_selected
    -- to the user: none of them is written here.
    {_LISTING_WINS_UNLESS_IN_REGISTRY}
"""

_UPSERT_CACHE: Final = """
INSERT INTO discovery_cache (provider_id, base_url_hash, fetched_at, models_json)
VALUES (?, ?, ?, ?) ON CONFLICT (provider_id, base_url_hash) DO UPDATE SET
    fetched_at = excluded.fetched_at, models_json = excluded.models_json
"""


def default_database_path(*, registry: Registry | None = None) -> Path:
    """The user's model database for ``registry``, in the platform's per-user data directory:
    ``models.db`` for the curated registry, ``models-<package>.db`` for any other, so that two
    registries never share a file unless told to."""
    import platformdirs

    package = CURATED_PACKAGE if registry is None else registry.package
    name = (
        DATABASE_FILE
        if package == CURATED_PACKAGE
        else f"models-{re.sub(r'[^A-Za-z0-9_.-]', '_', package)}.db"
    )
    return platformdirs.user_data_path(APP_NAME, appauthor=False) / name


class ModelStore:
    """The SQLite model database of one registry, at ``path``.

    ``registry`` is the registry the database belongs to (default: the curated one); ``path``
    defaults to :func:`default_database_path` for it. The store seeds from that registry's
    ``seed_sql`` (or ``seed_path``), and refuses, with a :class:`ModelStoreError` naming both,
    a database that belongs to another registry (see `_store.meta`).

    Opening is lazy: the first operation checks an existing file for damaged pages (a damaged
    file is refused with a :class:`ModelStoreError` naming ``llm-registry db repair``; see
    :meth:`Database.check_integrity`), creates the file and its tables (or upgrades an older
    file's layout in place, see `_store.schema`) and, unless ``auto_seed`` is False, applies the
    seed whenever its content differs from the last one applied (so a database follows the
    registry it runs with). Each thread has its own connection, so one store may be used from
    several threads; :meth:`close` closes the calling thread's.

    One database is meant for one version of the registry at a time. Two app versions sharing a
    file (an old app and a new CLI, say) each re-apply their own seed on opening, so a model one
    registry has and the other lacks flips between ``in_registry = 1`` and ``in_registry = 0,
    is_deprecated = 1`` with every switch. No row is lost and the user's columns never move;
    only the registry-owned metadata follows whichever version opened the file last. Pass
    ``auto_seed=False`` to a store that must not re-seed.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        registry: Registry | None = None,
        seed_path: str | os.PathLike[str] | None = None,
        auto_seed: bool = True,
        busy_timeout: float = 5.0,
        lock_patience: float = 60.0,
    ) -> None:
        self.registry = resolve_registry(registry)
        self.path = (
            default_database_path(registry=self.registry)
            if path is None
            else Path(path).expanduser()
        )
        self._seed: Traversable = (
            Path(seed_path) if seed_path is not None else self.registry.seed_sql
        )
        self._auto_seed = auto_seed
        # lock_patience: total time a write keeps retrying on a locked database.
        self._db = Database(self.path, busy_timeout=busy_timeout, lock_patience=lock_patience)
        self._ready = False
        self._checked = False

    def __repr__(self) -> str:
        return f"ModelStore({str(self.path)!r}, registry={self.registry.package!r})"

    def close(self) -> None:
        """Close the calling thread's connection (other threads' close when those threads end)."""
        self._db.close()

    # --- the seed -------------------------------------------------------------------------------

    def apply_seed(self, sql: str | None = None) -> SeedSummary:
        """Apply a seed script (by default the registry's seed.sql); returns the row counts."""
        script = read_seed(self._seed) if sql is None else sql
        if script is None:
            raise ModelStoreError(
                f"the registry seed {self._seed} does not exist; run `llm-registry generate` first"
            )
        self._prepare(explicit_seed=script)
        return self.summary()

    def summary(self) -> SeedSummary:
        def count(conn: sqlite3.Connection) -> SeedSummary:
            providers = conn.execute("SELECT count(*) FROM providers").fetchone()[0]
            models = conn.execute("SELECT count(*) FROM models").fetchone()[0]
            return SeedSummary(int(providers), int(models))

        return self._read(count)

    # --- the discovery cache ----------------------------------------------------------------------

    def load_listing(self, provider_id: str, base_url: str) -> CachedListing | None:
        """The last listing fetched for this provider at this base URL, however old."""

        def load(conn: sqlite3.Connection) -> CachedListing | None:
            row = conn.execute(
                "SELECT fetched_at, models_json FROM discovery_cache"
                " WHERE provider_id = ? AND base_url_hash = ?",
                (provider_id, base_url_hash(base_url)),
            ).fetchone()
            if row is None:
                return None
            models = listing_from_json(row[1])
            return None if models is None else CachedListing(models, float(row[0]))

        return self._read(load)

    def save_listing(
        self,
        provider_id: str,
        base_url: str,
        listed: Sequence[ListedModel],
        *,
        fetched_at: float | None = None,
    ) -> None:
        """Record a listing in the discovery cache only, leaving the ``models`` table alone
        (a listing from a base URL other than the provider's own)."""
        entry = cache_entry(provider_id, base_url, listed, fetched_at)
        self._write(lambda conn: conn.execute(_UPSERT_CACHE, entry))

    def save_discovery(
        self,
        provider_id: str,
        base_url: str,
        listed: Sequence[ListedModel],
        models: Sequence[ModelInfo],
        *,
        fetched_at: float | None = None,
    ) -> list[ModelInfo]:
        """Record a successful listing in one transaction: the cache entry, an upsert of every
        listed model (``source='api'``, enabled), and ``is_enabled = 0`` for the provider's
        models the listing no longer names. Returns the provider's rows as they now stand
        (read in the same transaction, which saves a round trip per provider in a refresh)."""
        entry = cache_entry(provider_id, base_url, listed, fetched_at)
        rows = [discovered_row(m) for m in models]
        listed_ids = json.dumps([m.id for m in models])

        def save(conn: sqlite3.Connection) -> list[ModelInfo]:
            conn.execute(_UPSERT_CACHE, entry)
            conn.executemany(_UPSERT_DISCOVERED, rows)
            conn.execute(
                "UPDATE models SET is_enabled = 0 WHERE provider_id = ? AND is_enabled = 1"
                " AND id NOT IN (SELECT value FROM json_each(?))",
                (provider_id, listed_ids),
            )
            return _select_models(conn, provider_id)

        return self._write(save)

    # --- models and the user's choices ------------------------------------------------------------

    def models(self, provider_id: str | None = None) -> list[ModelInfo]:
        """Every model row (of one provider, or all), disabled and deprecated ones included."""
        return self._read(lambda conn: _select_models(conn, provider_id))

    def set_hidden(self, model_id: str, hidden: bool) -> bool:
        """The user's visibility choice for one model; False when the database has no such model."""

        def update(conn: sqlite3.Connection) -> bool:
            cursor = conn.execute(
                "UPDATE models SET is_hidden = ? WHERE id = ?", (int(hidden), model_id)
            )
            return cursor.rowcount > 0

        return self._write(update)

    def set_selected(self, model_id: str, selected: bool) -> bool:
        """The user's selection of one model (an app may select one or several); False when
        the database has no such model. A selected model that a later seed retires hands its
        selection to its replacement (`_store.selection`)."""

        def update(conn: sqlite3.Connection) -> bool:
            cursor = conn.execute(
                "UPDATE models SET is_selected = ? WHERE id = ?", (int(selected), model_id)
            )
            return cursor.rowcount > 0

        return self._write(update)

    # --- opening --------------------------------------------------------------------------------

    def _read(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        self._prepare()
        return self._db.read(work)

    def _write(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        self._prepare()
        return self._db.write(work)

    def _prepare(self, explicit_seed: str | None = None) -> None:
        """Bring the file to the current layout; apply ``explicit_seed``, or the registry's seed
        when it changed since it was last applied."""
        if self._ready and explicit_seed is None:
            return
        if not self._checked:
            # Before anything writes: a write that misses the damaged pages would succeed and
            # hide the damage (reads of the whole table are what notice it, later).
            if _has_content(self.path):
                self._db.check_integrity()
            self._checked = True
        self._db.use_wal()
        upgrade_layout(self._db)
        claim_for_registry(
            self._db,
            self.registry.package,
            self.registry.ids,
            elsewhere=str(default_database_path(registry=self.registry)),
        )
        seed = explicit_seed
        if seed is None and self._auto_seed:
            seed = read_seed(self._seed)
            applied = applied_seed_digest(self._db)
            if seed is not None and applied == seed_digest(seed):
                seed = None
        if seed is not None:
            run_seed(self._db, seed)
        self._ready = True


def _has_content(path: Path) -> bool:
    """Whether a file is there to check (a new, or empty, file has nothing to be damaged)."""
    try:
        return path.stat().st_size > 0
    except OSError:
        return False


def _select_models(conn: sqlite3.Connection, provider_id: str | None) -> list[ModelInfo]:
    if provider_id is None:
        cursor = conn.execute(f"SELECT {MODEL_COLUMNS} FROM models ORDER BY id")
    else:
        cursor = conn.execute(
            f"SELECT {MODEL_COLUMNS} FROM models WHERE provider_id = ? ORDER BY id",
            (provider_id,),
        )
    return [model_from_row(row) for row in cursor]
