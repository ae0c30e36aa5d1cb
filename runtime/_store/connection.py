"""One SQLite file shared by several threads and processes: connections, transactions, retries.

Several processes (an app, a CLI refresh, a periodic refresher) may write the same file at once,
so: WAL journal (readers never wait for a writer), a busy timeout (a writer waits for the lock
instead of failing), write transactions that are short and take the write lock up front (``BEGIN
IMMEDIATE``: a deferred transaction that upgrades from read to write can fail with "database is
locked" without the busy handler being consulted), and a retry with jittered back-off around
each whole transaction for the cases the busy timeout does not cover. Writers within one process
take turns on a lock of their own (see :meth:`Database.write`).

Two things end the waiting early. A *deadline* (:func:`database_deadline`, set by discovery from
its ``timeout``) bounds every wait of the code it wraps, in the threads it starts too (a context
variable): another process holding the file locked then gives a :class:`ModelStoreError` saying
the database was busy once the deadline passes (a wait that begins after it still gets
:data:`DEADLINE_GRACE`, so that ordinary contention between writers does not fail a listing that
took most of its time). And a *damaged* file (SQLite reports its pages as corrupt, or it is no
database at all) is never retried: the error names the file and ``llm-registry db repair``.
"""

from __future__ import annotations

import contextlib
import contextvars
import random
import re
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Final, TypeVar

from llm_registry.runtime._errors import ConfigError

__all__ = [
    "DEADLINE_GRACE",
    "Database",
    "ModelStoreError",
    "damaged_error",
    "database_deadline",
    "is_damage",
]

_T = TypeVar("_T")

# Seconds a database wait that begins after the deadline still gets (see the module docstring).
DEADLINE_GRACE: Final = 0.5

# SQLite's primary result codes for a damaged file: SQLITE_CORRUPT, SQLITE_NOTADB.
_DAMAGE_CODES: Final = frozenset({11, 26})

# When the current waits must end (time.monotonic()), or None for no deadline.
_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "llm_registry_database_deadline", default=None
)

# A script that manages its own transaction is run as it is, except that a deferred BEGIN
# becomes BEGIN IMMEDIATE (see above); any other script is wrapped in one.
_OWN_TRANSACTION: Final = re.compile(r"^\s*BEGIN\b", re.IGNORECASE | re.MULTILINE)
_DEFERRED_BEGIN: Final = re.compile(
    r"^(\s*)BEGIN(\s+DEFERRED)?(\s+TRANSACTION)?\s*;", re.IGNORECASE | re.MULTILINE
)


class ModelStoreError(ConfigError):
    """The model database cannot be opened, read or written (path, permissions, corruption),
    or it belongs to another registry or a newer release."""


@contextlib.contextmanager
def database_deadline(at: float) -> Iterator[None]:
    """Bound every database wait inside the block (and in threads started from it with
    ``asyncio.to_thread``, which copies the context) by ``at``, a ``time.monotonic()`` time;
    an enclosing earlier deadline still applies."""
    outer = _deadline.get()
    token = _deadline.set(at if outer is None else min(at, outer))
    try:
        yield
    finally:
        _deadline.reset(token)


def damaged_error(path: Path, detail: str) -> ModelStoreError:
    """The error for a damaged database file: what is wrong, and how to get a working one."""
    return ModelStoreError(
        f"the model database {path} is damaged ({detail}); `llm-registry db repair --db {path}` "
        "backs it up and rebuilds it from the registry, keeping every row that can still be read"
    )


def is_damage(exc: sqlite3.Error) -> bool:
    """Whether SQLite reports a damaged file (corrupt pages, or not a database)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in _DAMAGE_CODES
    message = str(exc).lower()
    return "malformed" in message or "not a database" in message


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
        with self._turn():
            return self._with_retry(work, transaction=True)

    def write_script(self, script: str) -> None:
        """Run an SQL script as one write transaction (its own, if it has a BEGIN)."""
        if _OWN_TRANSACTION.search(script):
            script = _DEFERRED_BEGIN.sub(r"\1BEGIN IMMEDIATE;", script, count=1)
        else:
            script = f"BEGIN IMMEDIATE;\n{script}\nCOMMIT;"

        def run(conn: sqlite3.Connection) -> None:
            conn.executescript(script)

        with self._turn():
            self._with_retry(run, transaction=False)

    def check_integrity(self) -> None:
        """Raise a :class:`ModelStoreError` when the file's pages are damaged.

        ``PRAGMA quick_check`` reads every page once and checks the structure of every table
        and index b-tree (not that indexes agree with their tables, which ``integrity_check``
        adds at several times the cost): a few milliseconds for a database of this size, paid
        once per store, and it finds pages overwritten or torn anywhere in the file, where a
        write that happens not to touch them would succeed and hide the damage.
        """

        def quick_check(conn: sqlite3.Connection) -> list[str]:
            return [str(row[0]) for row in conn.execute("PRAGMA quick_check(3)")]

        problems = self.read(quick_check)
        if problems != ["ok"]:
            raise damaged_error(self.path, "; ".join(problems))

    def use_wal(self) -> None:
        def set_wal(conn: sqlite3.Connection) -> None:
            # WAL is a property of the file: set once, every later connection uses it.
            conn.execute("PRAGMA journal_mode=WAL")

        self._with_retry(set_wal, transaction=False)

    def close(self) -> None:
        """Close the calling thread's connection (other threads' close when those threads end)."""
        conn: sqlite3.Connection | None = getattr(self._local, "connection", None)
        self._local.connection = None
        self._local.busy_millis = None
        if conn is not None:
            conn.close()

    def _connection(self, give_up_at: float) -> sqlite3.Connection:
        """This thread's connection, kept: a new connection re-reads the schema on its first
        statement, which costs more than the work of a typical write."""
        conn: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if conn is None:
            conn = self._connect(give_up_at)
            self._local.connection = conn
        self._bound_busy_wait(conn, give_up_at)
        return conn

    def _connect(self, give_up_at: float) -> sqlite3.Connection:
        wait = self._wait_left(give_up_at)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # isolation_level=None: transactions are the explicit BEGIN/COMMIT here, not the
            # sqlite3 module's implicit ones.
            conn = sqlite3.connect(self.path, timeout=wait, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise ModelStoreError(f"cannot open the model database {self.path}: {exc}") from None
        self._local.busy_millis = int(wait * 1000)
        try:
            # With WAL, NORMAL is safe against corruption and loses at most the last commits on
            # power loss (the listings are re-fetchable); FULL would fsync every commit, and
            # concurrent refreshes would queue behind each other's fsyncs.
            conn.execute("PRAGMA synchronous=NORMAL")
        except sqlite3.Error:
            conn.close()  # a locked file: the caller's retry decides
            raise
        return conn

    def _with_retry(self, work: Callable[[sqlite3.Connection], _T], *, transaction: bool) -> _T:
        give_up_at = self._give_up_at()
        attempt = 0
        while True:
            conn: sqlite3.Connection | None = None
            try:
                conn = self._connection(give_up_at)
                if transaction:
                    conn.execute("BEGIN IMMEDIATE")
                result = work(conn)
                if conn.in_transaction:
                    conn.execute("COMMIT")
                return result
            except sqlite3.Error as exc:
                self._abandon(conn)
                if not isinstance(exc, sqlite3.OperationalError) or not _is_lock_contention(exc):
                    raise self._failure(exc) from None
                if time.monotonic() >= give_up_at:
                    raise self._busy(exc) from None
            except BaseException:
                self._abandon(conn)  # an error of the work's own: nothing half-done stays
                raise
            attempt += 1
            # Jittered exponential back-off, so that retrying processes do not collide in step.
            pause = min(0.02 * 2**attempt, 0.5) * random.uniform(0.5, 1.5)
            time.sleep(max(0.0, min(pause, give_up_at - time.monotonic())))

    def _give_up_at(self) -> float:
        """When the current wait ends: the lock patience, or the deadline if one is earlier."""
        now = time.monotonic()
        deadline = _deadline.get()
        patience_ends = now + self._lock_patience
        if deadline is None:
            return patience_ends
        return min(patience_ends, max(deadline, now + DEADLINE_GRACE))

    def _bound_busy_wait(self, conn: sqlite3.Connection, give_up_at: float) -> None:
        """Let SQLite's busy handler wait no longer than the time left."""
        millis = int(self._wait_left(give_up_at) * 1000)
        if getattr(self._local, "busy_millis", None) != millis:
            conn.execute(f"PRAGMA busy_timeout = {millis}")
            self._local.busy_millis = millis

    def _wait_left(self, give_up_at: float) -> float:
        """How long one statement may wait for a lock: the busy timeout, or the time left."""
        return min(self._busy_timeout, max(0.0, give_up_at - time.monotonic()))

    @contextlib.contextmanager
    def _turn(self) -> Iterator[None]:
        """This process's writers one at a time, waiting no longer than the current wait may."""
        lock = _process_write_lock(self.path)
        if not lock.acquire(timeout=max(0.0, self._give_up_at() - time.monotonic())):
            raise ModelStoreError(
                f"the model database {self.path} was busy: this process's other writers kept "
                "it past the deadline"
            )
        try:
            yield
        finally:
            lock.release()

    def _failure(self, exc: sqlite3.Error) -> ModelStoreError:
        if is_damage(exc):
            return damaged_error(self.path, str(exc))
        if isinstance(exc, sqlite3.OperationalError):
            return ModelStoreError(f"the model database {self.path} could not be written: {exc}")
        return ModelStoreError(f"the model database {self.path} failed: {exc}")

    def _busy(self, exc: sqlite3.OperationalError) -> ModelStoreError:
        if _deadline.get() is None:
            return ModelStoreError(f"the model database {self.path} could not be written: {exc}")
        return ModelStoreError(
            f"the model database {self.path} was busy: another process kept it locked past the "
            f"deadline ({exc}); try again when that process is done with it"
        )

    def _abandon(self, conn: sqlite3.Connection | None) -> None:
        if conn is not None and conn.in_transaction:
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
