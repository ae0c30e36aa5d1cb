"""The model store: one SQLite file holding the seed's providers/models tables and the discovery cache.

Several processes (an app, a CLI refresh, a periodic refresher) may write the same file at once, so:
WAL journal (readers never wait for a writer), a busy timeout (a writer waits for the lock instead of
failing), write transactions that are short and take the write lock up front (``BEGIN IMMEDIATE``:
a deferred transaction that upgrades from read to write can fail with "database is locked" without
the busy handler being consulted), and a retry with jittered back-off around each whole transaction
for the cases the busy timeout does not cover.

Ownership of the ``models`` columns:
  - the seed (``generated/seed.sql``) owns the registry metadata and ``in_registry``;
  - discovery owns ``is_enabled`` and ``source`` and the metadata of models the registry does not know;
  - the user owns ``is_hidden`` and ``is_selected``; only :meth:`ModelStore.set_hidden` writes them.
Nothing here deletes a model row: conversations refer to models by id.

The discovery cache is keyed by provider id and a SHA-256 of the base URL (a base URL may carry
credentials in its user-info); it never holds a key.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, TypeVar

from llm_registry.runtime._discovery.dialects import ListedModel
from llm_registry.runtime._errors import ConfigError

__all__ = [
    "CachedListing",
    "ModelInfo",
    "ModelStore",
    "ModelStoreError",
    "SeedSummary",
    "base_url_hash",
    "default_database_path",
    "default_seed_path",
]

_T = TypeVar("_T")

APP_NAME: Final = "llm-provider-registry"
DATABASE_FILE: Final = "models.db"

# The layout generated/seed.sql creates. Used only when the seed is unavailable (a source checkout
# before `make generate`), so that discovery and the user's choices still have somewhere to live;
# every statement is IF NOT EXISTS, so the real seed applied later takes over unchanged.
_BASE_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS providers (
    id TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    base_url TEXT NOT NULL,
    implementation TEXT NOT NULL,
    requires_api_key INTEGER NOT NULL,
    api_key_env TEXT,
    discovery_dialect TEXT NOT NULL,
    display_order INTEGER NOT NULL,
    in_registry INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE IF NOT EXISTS models (
    id TEXT PRIMARY KEY,
    provider_id TEXT NOT NULL,
    model_id TEXT NOT NULL,
    display_name TEXT NOT NULL,
    is_enabled INTEGER NOT NULL DEFAULT 1,
    is_internal INTEGER NOT NULL DEFAULT 0,
    is_deprecated INTEGER NOT NULL DEFAULT 0,
    supported_attachment_types TEXT NOT NULL DEFAULT '[]',
    context_window INTEGER,
    max_output_tokens INTEGER,
    prompt_price_per_token REAL,
    completion_price_per_token REAL,
    supports_tools INTEGER NOT NULL DEFAULT 0,
    supports_reasoning INTEGER NOT NULL DEFAULT 0,
    source TEXT NOT NULL DEFAULT 'registry' CHECK (source IN ('registry', 'api')),
    in_registry INTEGER NOT NULL DEFAULT 0,
    is_hidden INTEGER NOT NULL DEFAULT 0,
    is_selected INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS models_by_provider ON models (provider_id);
"""

# The store's own tables; created before the seed, which must find models/providers absent.
_STORE_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS discovery_cache (
    provider_id TEXT NOT NULL,
    base_url_hash TEXT NOT NULL,
    fetched_at REAL NOT NULL,
    models_json TEXT NOT NULL,
    PRIMARY KEY (provider_id, base_url_hash)
);
CREATE TABLE IF NOT EXISTS store_meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""

# An index earlier versions of the store created beside the seed's identical models_by_provider:
# every write paid for both.
_RETIRED: Final = """
DROP INDEX IF EXISTS discovery_models_by_provider;
"""

_UPSERT_DISCOVERED: Final = """
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
    display_name = CASE WHEN models.in_registry = 1 THEN models.display_name
                        ELSE excluded.display_name END,
    supported_attachment_types = CASE WHEN models.in_registry = 1
                        THEN models.supported_attachment_types
                        ELSE excluded.supported_attachment_types END,
    context_window = CASE WHEN models.in_registry = 1 THEN models.context_window
                        ELSE excluded.context_window END,
    max_output_tokens = CASE WHEN models.in_registry = 1 THEN models.max_output_tokens
                        ELSE excluded.max_output_tokens END,
    prompt_price_per_token = CASE WHEN models.in_registry = 1 THEN models.prompt_price_per_token
                        ELSE excluded.prompt_price_per_token END,
    completion_price_per_token = CASE WHEN models.in_registry = 1
                        THEN models.completion_price_per_token
                        ELSE excluded.completion_price_per_token END,
    supports_tools = CASE WHEN models.in_registry = 1 THEN models.supports_tools
                        ELSE excluded.supports_tools END,
    supports_reasoning = CASE WHEN models.in_registry = 1 THEN models.supports_reasoning
                        ELSE excluded.supports_reasoning END
"""

_UPSERT_CACHE: Final = """
INSERT INTO discovery_cache (provider_id, base_url_hash, fetched_at, models_json)
VALUES (?, ?, ?, ?) ON CONFLICT (provider_id, base_url_hash) DO UPDATE SET
    fetched_at = excluded.fetched_at, models_json = excluded.models_json
"""

_MODEL_COLUMNS: Final = """
    id, provider_id, model_id, display_name, context_window, max_output_tokens,
    supported_attachment_types, prompt_price_per_token, completion_price_per_token,
    supports_tools, supports_reasoning, is_deprecated, is_internal, in_registry,
    is_enabled, is_hidden
"""

# A script that manages its own transaction is run as it is, except that a deferred BEGIN becomes
# BEGIN IMMEDIATE (see above); any other script is wrapped in one.
_OWN_TRANSACTION: Final = re.compile(r"^\s*BEGIN\b", re.IGNORECASE | re.MULTILINE)
_DEFERRED_BEGIN: Final = re.compile(
    r"^(\s*)BEGIN(\s+DEFERRED)?(\s+TRANSACTION)?\s*;", re.IGNORECASE | re.MULTILINE
)


class ModelStoreError(ConfigError):
    """The model database cannot be opened, read or written (path, permissions, corruption)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelInfo:
    """One model as the app shows it: a row of the ``models`` table, or what would become one."""

    id: str  # "<provider>::<model>"
    provider_id: str
    model_id: str
    display_name: str
    context_window: int | None = None
    max_output_tokens: int | None = None
    attachments: tuple[str, ...] = ()
    prompt_price_per_token: float | None = None
    completion_price_per_token: float | None = None
    supports_tools: bool = False
    supports_reasoning: bool = False
    is_deprecated: bool = False
    is_internal: bool = False
    in_registry: bool = False
    is_enabled: bool = True
    is_hidden: bool = False


@dataclass(frozen=True, slots=True)
class CachedListing:
    models: tuple[ListedModel, ...]
    fetched_at: float  # unix time


@dataclass(frozen=True, slots=True)
class SeedSummary:
    providers: int
    models: int


def default_database_path() -> Path:
    """The user's model database: ``models.db`` in the platform's per-user data directory."""
    import platformdirs

    return platformdirs.user_data_path(APP_NAME, appauthor=False) / DATABASE_FILE


def default_seed_path() -> Path:
    """``seed.sql`` of the curated registry."""
    from importlib.resources import files

    return Path(str(files("llm_registry.curated") / "seed.sql"))


def base_url_hash(base_url: str) -> str:
    """Cache key for a base URL; a trailing slash does not make another endpoint."""
    return hashlib.sha256(base_url.rstrip("/").encode("utf-8")).hexdigest()


class ModelStore:
    """The SQLite model database at ``path``.

    Opening is lazy: the first operation creates the file and its tables and, unless
    ``auto_seed`` is False, applies the seed whenever its content differs from the last one
    applied (so a database follows the registry it runs with). Each thread has its own
    connection, so one store may be used from several threads; :meth:`close` closes the calling
    thread's.

    One database is meant for one version of the registry at a time. Two app versions sharing a
    file (an old app and a new CLI, say) each re-apply their own seed on opening, so a model one
    registry has and the other lacks flips between ``in_registry = 1`` and ``in_registry = 0,
    is_deprecated = 1`` with every switch. No row is lost and the user's columns never move;
    only the registry-owned metadata follows whichever version opened the file last. Pass
    ``auto_seed=False`` to a store that must not re-seed.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        seed_path: str | os.PathLike[str] | None = None,
        auto_seed: bool = True,
        busy_timeout: float = 5.0,
        lock_patience: float = 60.0,
    ) -> None:
        self.path = Path(path).expanduser()
        self._seed_path = Path(seed_path) if seed_path is not None else default_seed_path()
        self._auto_seed = auto_seed
        self._busy_timeout = busy_timeout
        # Total time a write keeps retrying on a locked database before it gives up.
        self._lock_patience = lock_patience
        self._ready = False
        self._local = threading.local()

    def __repr__(self) -> str:
        return f"ModelStore({str(self.path)!r})"

    # --- the seed -------------------------------------------------------------------------------

    def apply_seed(self, sql: str | None = None) -> SeedSummary:
        """Apply a seed script (by default ``generated/seed.sql``); returns the resulting row counts."""
        script = self._read_seed() if sql is None else sql
        if script is None:
            raise ModelStoreError(
                f"the registry seed {self._seed_path} does not exist; run `make generate` first"
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
            models = _listing_from_json(row[1])
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
        entry = _cache_entry(provider_id, base_url, listed, fetched_at)
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
        entry = _cache_entry(provider_id, base_url, listed, fetched_at)
        rows = [
            (
                m.id,
                m.provider_id,
                m.model_id,
                m.display_name,
                int(m.is_internal),
                int(m.is_deprecated),
                json.dumps(list(m.attachments)),
                m.context_window,
                m.max_output_tokens,
                m.prompt_price_per_token,
                m.completion_price_per_token,
                int(m.supports_tools),
                int(m.supports_reasoning),
            )
            for m in models
        ]
        listed_ids = json.dumps([m.id for m in models])

        def save(conn: sqlite3.Connection) -> list[ModelInfo]:
            conn.execute(_UPSERT_CACHE, entry)
            conn.executemany(_UPSERT_DISCOVERED, rows)
            conn.execute(
                "UPDATE models SET is_enabled = 0 WHERE provider_id = ? AND is_enabled = 1"
                " AND id NOT IN (SELECT value FROM json_each(?))",
                (provider_id, listed_ids),
            )
            cursor = conn.execute(
                f"SELECT {_MODEL_COLUMNS} FROM models WHERE provider_id = ? ORDER BY id",
                (provider_id,),
            )
            return [_model_from_row(row) for row in cursor]

        return self._write(save)

    # --- models and the user's choices ------------------------------------------------------------

    def models(self, provider_id: str | None = None) -> list[ModelInfo]:
        """Every model row (of one provider, or all), disabled and deprecated ones included."""

        def load(conn: sqlite3.Connection) -> list[ModelInfo]:
            if provider_id is None:
                cursor = conn.execute(f"SELECT {_MODEL_COLUMNS} FROM models ORDER BY id")
            else:
                cursor = conn.execute(
                    f"SELECT {_MODEL_COLUMNS} FROM models WHERE provider_id = ? ORDER BY id",
                    (provider_id,),
                )
            return [_model_from_row(row) for row in cursor]

        return self._read(load)

    def set_hidden(self, model_id: str, hidden: bool) -> bool:
        """The user's visibility choice for one model; False when the database has no such model."""

        def update(conn: sqlite3.Connection) -> bool:
            cursor = conn.execute(
                "UPDATE models SET is_hidden = ? WHERE id = ?", (int(hidden), model_id)
            )
            return cursor.rowcount > 0

        return self._write(update)

    # --- connections, transactions, retries -------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        """This thread's connection, opened on first use and kept: a new connection re-reads
        the schema on its first statement, which costs more than the work of a typical write."""
        conn: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if conn is None:
            conn = self._connect()
            self._local.connection = conn
        return conn

    def close(self) -> None:
        """Close the calling thread's connection (other threads' close when those threads end)."""
        conn: sqlite3.Connection | None = getattr(self._local, "connection", None)
        self._local.connection = None
        if conn is not None:
            conn.close()

    def _connect(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: transactions are the explicit BEGIN/COMMIT below, not the
            # sqlite3 module's implicit ones.
            conn = sqlite3.connect(self.path, timeout=self._busy_timeout, isolation_level=None)
            # With WAL, NORMAL is safe against corruption and loses at most the last commits on
            # power loss (the listings are re-fetchable); FULL would fsync every commit, and
            # concurrent refreshes would queue behind each other's fsyncs.
            conn.execute("PRAGMA synchronous=NORMAL")
        except (OSError, sqlite3.Error) as exc:
            raise ModelStoreError(f"cannot open the model database {self.path}: {exc}") from None
        return conn

    def _prepare(self, explicit_seed: str | None = None) -> None:
        """Create the file and its tables; apply ``explicit_seed``, or the default seed when it
        changed since it was last applied. The seed runs before the fallback layout is created,
        so that its own CREATE TABLE statements are the ones that take effect."""
        if self._ready and explicit_seed is None:
            return

        def set_wal(conn: sqlite3.Connection) -> None:
            # WAL is a property of the file: set once, every later connection uses it.
            conn.execute("PRAGMA journal_mode=WAL")

        self._with_retry(set_wal, transaction=False)
        self._write_script(_STORE_SCHEMA)
        seed = explicit_seed
        if seed is None and self._auto_seed:
            seed = self._read_seed()
            if seed is not None and self._seed_applied() == _sha256(seed):
                seed = None
        if seed is not None:
            self._write_script(seed)
            digest = _sha256(seed)
            self._with_retry(lambda conn: _set_meta(conn, "seed_sha256", digest), transaction=True)
        self._write_script(_BASE_SCHEMA + _RETIRED)
        self._ready = True

    def _seed_applied(self) -> str | None:
        def load(conn: sqlite3.Connection) -> str | None:
            row = conn.execute("SELECT value FROM store_meta WHERE key = 'seed_sha256'").fetchone()
            return None if row is None else str(row[0])

        return self._with_retry(load, transaction=False)

    def _read_seed(self) -> str | None:
        try:
            return self._seed_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise ModelStoreError(
                f"cannot read the registry seed {self._seed_path}: {exc}"
            ) from None

    def _write_script(self, script: str) -> None:
        if _OWN_TRANSACTION.search(script):
            script = _DEFERRED_BEGIN.sub(r"\1BEGIN IMMEDIATE;", script, count=1)
        else:
            script = f"BEGIN IMMEDIATE;\n{script}\nCOMMIT;"

        def run(conn: sqlite3.Connection) -> None:
            conn.executescript(script)

        self._with_retry(run, transaction=False)

    def _read(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        self._prepare()
        return self._with_retry(work, transaction=False)

    def _write(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        self._prepare()
        # Writers in this process take turns here rather than inside SQLite, whose busy handler
        # sleeps in coarse steps (up to tens of ms) while it waits; other processes still meet
        # the busy timeout and the retries below.
        with _process_write_lock(self.path):
            return self._with_retry(work, transaction=True)

    def _with_retry(self, work: Callable[[sqlite3.Connection], _T], *, transaction: bool) -> _T:
        give_up_at = time.monotonic() + self._lock_patience
        attempt = 0
        while True:
            conn = self._connection()
            try:
                if transaction:
                    conn.execute("BEGIN IMMEDIATE")
                result = work(conn)
                if conn.in_transaction:
                    conn.execute("COMMIT")
                return result
            except sqlite3.OperationalError as exc:
                _rollback(conn)
                self.close()
                if not _is_lock_contention(exc) or time.monotonic() >= give_up_at:
                    raise ModelStoreError(
                        f"the model database {self.path} could not be written: {exc}"
                    ) from None
            except sqlite3.Error as exc:
                _rollback(conn)
                self.close()
                raise ModelStoreError(f"the model database {self.path} failed: {exc}") from None
            attempt += 1
            # Jittered exponential back-off, so that retrying processes do not collide in step.
            time.sleep(min(0.02 * 2**attempt, 0.5) * random.uniform(0.5, 1.5))


_write_locks: dict[Path, threading.Lock] = {}
_write_locks_guard = threading.Lock()


def _process_write_lock(path: Path) -> threading.Lock:
    key = path.resolve()
    with _write_locks_guard:
        return _write_locks.setdefault(key, threading.Lock())


def _is_lock_contention(exc: sqlite3.OperationalError) -> bool:
    message = str(exc).lower()
    return "locked" in message or "busy" in message


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        try:
            conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass  # the connection is closed right after; SQLite rolls back then anyway


def _set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO store_meta (key, value) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _model_from_row(row: Sequence[object]) -> ModelInfo:
    (
        id_,
        provider_id,
        model_id,
        display_name,
        context_window,
        max_output_tokens,
        attachments_json,
        prompt_price,
        completion_price,
        supports_tools,
        supports_reasoning,
        is_deprecated,
        is_internal,
        in_registry,
        is_enabled,
        is_hidden,
    ) = row
    return ModelInfo(
        id=str(id_),
        provider_id=str(provider_id),
        model_id=str(model_id),
        display_name=str(display_name),
        context_window=context_window if isinstance(context_window, int) else None,
        max_output_tokens=max_output_tokens if isinstance(max_output_tokens, int) else None,
        attachments=_attachments_from_json(attachments_json),
        prompt_price_per_token=_float_or_none(prompt_price),
        completion_price_per_token=_float_or_none(completion_price),
        supports_tools=bool(supports_tools),
        supports_reasoning=bool(supports_reasoning),
        is_deprecated=bool(is_deprecated),
        is_internal=bool(is_internal),
        in_registry=bool(in_registry),
        is_enabled=bool(is_enabled),
        is_hidden=bool(is_hidden),
    )


def _float_or_none(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) else None


def _attachments_from_json(value: object) -> tuple[str, ...]:
    try:
        kinds = json.loads(value) if isinstance(value, str) else []
    except (ValueError, RecursionError):
        return ()
    return tuple(k for k in kinds if isinstance(k, str)) if isinstance(kinds, list) else ()


def _cache_entry(
    provider_id: str, base_url: str, listed: Sequence[ListedModel], fetched_at: float | None
) -> tuple[str, str, float, str]:
    """The parameters of ``_UPSERT_CACHE`` for one listing."""
    models_json = json.dumps([_listed_to_json(m) for m in listed], separators=(",", ":"))
    when = time.time() if fetched_at is None else fetched_at
    return (provider_id, base_url_hash(base_url), when, models_json)


def _listed_to_json(model: ListedModel) -> dict[str, object]:
    return {
        "model_id": model.model_id,
        "display_name": model.display_name,
        "context_window": model.context_window,
        "max_output_tokens": model.max_output_tokens,
        "attachments": None if model.attachments is None else list(model.attachments),
        "prompt_price_per_token": model.prompt_price_per_token,
        "completion_price_per_token": model.completion_price_per_token,
        "supports_tools": model.supports_tools,
        "supports_reasoning": model.supports_reasoning,
    }


def _listing_from_json(text: str) -> tuple[ListedModel, ...] | None:
    """The cached listing, or None for an entry this version cannot read (treated as a miss)."""
    try:
        entries = json.loads(text)
        if not isinstance(entries, list):
            return None
        return tuple(_listed_from_json(entry) for entry in entries)
    except (ValueError, RecursionError, TypeError, KeyError):
        return None


def _listed_from_json(entry: dict[str, object]) -> ListedModel:
    def optional(key: str, kind: type[_T]) -> _T | None:
        value = entry.get(key)
        return value if isinstance(value, kind) else None

    attachments = entry.get("attachments")
    model_id = entry["model_id"]
    if not isinstance(model_id, str):
        raise TypeError("model_id")
    return ListedModel(
        model_id=model_id,
        display_name=optional("display_name", str),
        context_window=optional("context_window", int),
        max_output_tokens=optional("max_output_tokens", int),
        attachments=(
            tuple(a for a in attachments if isinstance(a, str))
            if isinstance(attachments, list)
            else None
        ),
        prompt_price_per_token=_float_or_none(entry.get("prompt_price_per_token")),
        completion_price_per_token=_float_or_none(entry.get("completion_price_per_token")),
        supports_tools=optional("supports_tools", bool),
        supports_reasoning=optional("supports_reasoning", bool),
    )
