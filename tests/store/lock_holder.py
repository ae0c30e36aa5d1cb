"""Another process holding a model database locked (see test_deadline).

python -m tests.store.lock_holder DB exclusive|write
``exclusive``: nobody else may read or write (exclusive locking mode, an exclusive
transaction); ``write``: a write transaction, readers go on. Prints ``held`` once the lock is
taken, and holds it until its standard input closes.
"""

from __future__ import annotations

import sqlite3
import sys


def main() -> int:
    path, mode = sys.argv[1], sys.argv[2]
    conn = sqlite3.connect(path, isolation_level=None, timeout=10)
    if mode == "exclusive":
        conn.execute("PRAGMA locking_mode=EXCLUSIVE")
        conn.execute("BEGIN EXCLUSIVE")
        # In WAL mode the exclusive lock is taken by the first write.
        conn.execute("UPDATE store_meta SET value = value")
    else:
        conn.execute("BEGIN IMMEDIATE")
    print("held", flush=True)
    sys.stdin.read()
    conn.execute("ROLLBACK")
    conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
