"""One SQLite file shared by several threads and processes: connections, transactions, retries.

Several processes (an app, a CLI refresh, a periodic refresher) may write the same file at once,
so: WAL journal (readers never wait for a writer), a busy timeout (a writer waits for the lock
instead of failing), write transactions that are short and take the write lock up front (``BEGIN
IMMEDIATE``: a deferred transaction that upgrades from read to write can fail with "database is
locked" without the busy handler being consulted), and a retry with jittered back-off around
each whole transaction for the cases the busy timeout does not cover. Writers within one process
take turns on a lock of their own (see :meth:`Database.write`).
"""

from __future__ import annotations

import contextlib
import random
import re
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Final, TypeVar

from llm_registry.runtime._errors import ConfigError

__all__ = ["Database", "ModelStoreError"]

_T = TypeVar("_T")

# A script that manages its own transaction is run as it is, except that a deferred BEGIN
# becomes BEGIN IMMEDIATE (see above); any other script is wrapped in one.
_OWN_TRANSACTION: Final = re.compile(r"^\s*BEGIN\b", re.IGNORECASE | re.MULTILINE)
_DEFERRED_BEGIN: Final = re.compile(
    r"^(\s*)BEGIN(\s+DEFERRED)?(\s+TRANSACTION)?\s*;", re.IGNORECASE | re.MULTILINE
)


class ModelStoreError(ConfigError):
    """The model database cannot be opened, read or written (path, permissions, corruption),
    or it belongs to another registry or a newer release."""


class Database:
    """The SQLite file at ``path``; each thread has its own connection, opened on first use.

    ``busy_timeout`` is how long one statement waits for another process's lock;
    ``lock_patience`` is how long a whole transaction keeps retrying before it gives up.
    """

    def __init__(self, path: Path, *, busy_timeout: float, lock_patience: float) -> None:
        self.path = path
        self._busy_timeout = busy_timeout
        self._lock_patience = lock_patience
        self._local = threading.local()

    def read(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        """Run ``work`` outside a transaction (each statement sees a consistent snapshot)."""
        return self._with_retry(work, transaction=False)

    def write(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        """Run ``work`` in one ``BEGIN IMMEDIATE`` transaction, retried whole on contention."""
        # Writers in this process take turns here rather than inside SQLite, whose busy handler
        # sleeps in coarse steps (up to tens of ms) while it waits; other processes still meet
        # the busy timeout and the retries.
        with _process_write_lock(self.path):
            return self._with_retry(work, transaction=True)

    def write_script(self, script: str) -> None:
        """Run an SQL script as one write transaction (its own, if it has a BEGIN)."""
        if _OWN_TRANSACTION.search(script):
            script = _DEFERRED_BEGIN.sub(r"\1BEGIN IMMEDIATE;", script, count=1)
        else:
            script = f"BEGIN IMMEDIATE;\n{script}\nCOMMIT;"

        def run(conn: sqlite3.Connection) -> None:
            conn.executescript(script)

        with _process_write_lock(self.path):
            self._with_retry(run, transaction=False)

    def use_wal(self) -> None:
        def set_wal(conn: sqlite3.Connection) -> None:
            # WAL is a property of the file: set once, every later connection uses it.
            conn.execute("PRAGMA journal_mode=WAL")

        self._with_retry(set_wal, transaction=False)

    def close(self) -> None:
        """Close the calling thread's connection (other threads' close when those threads end)."""
        conn: sqlite3.Connection | None = getattr(self._local, "connection", None)
        self._local.connection = None
        if conn is not None:
            conn.close()

    def _connection(self) -> sqlite3.Connection:
        """This thread's connection, kept: a new connection re-reads the schema on its first
        statement, which costs more than the work of a typical write."""
        conn: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if conn is None:
            conn = self._connect()
            self._local.connection = conn
        return conn

    def _connect(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: transactions are the explicit BEGIN/COMMIT here, not the
            # sqlite3 module's implicit ones.
            conn = sqlite3.connect(self.path, timeout=self._busy_timeout, isolation_level=None)
            # With WAL, NORMAL is safe against corruption and loses at most the last commits on
            # power loss (the listings are re-fetchable); FULL would fsync every commit, and
            # concurrent refreshes would queue behind each other's fsyncs.
            conn.execute("PRAGMA synchronous=NORMAL")
        except (OSError, sqlite3.Error) as exc:
            raise ModelStoreError(f"cannot open the model database {self.path}: {exc}") from None
        return conn

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
                self._abandon(conn)
                if not _is_lock_contention(exc) or time.monotonic() >= give_up_at:
                    raise ModelStoreError(
                        f"the model database {self.path} could not be written: {exc}"
                    ) from None
            except sqlite3.Error as exc:
                self._abandon(conn)
                raise ModelStoreError(f"the model database {self.path} failed: {exc}") from None
            except BaseException:
                self._abandon(conn)  # an error of the work's own: nothing half-done stays
                raise
            attempt += 1
            # Jittered exponential back-off, so that retrying processes do not collide in step.
            time.sleep(min(0.02 * 2**attempt, 0.5) * random.uniform(0.5, 1.5))

    def _abandon(self, conn: sqlite3.Connection) -> None:
        if conn.in_transaction:
            # If this fails too, closing the connection (next) rolls back all the same.
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
        self.close()


_write_locks: dict[Path, threading.Lock] = {}
_write_locks_guard = threading.Lock()


def _process_write_lock(path: Path) -> threading.Lock:
    key = path.resolve()
    with _write_locks_guard:
        return _write_locks.setdefault(key, threading.Lock())


def _is_lock_contention(exc: sqlite3.OperationalError) -> bool:
    message = str(exc).lower()
    return "locked" in message or "busy" in message
