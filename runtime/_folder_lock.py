"""An exclusive lock on a folder, shared by every writer that replaces files in one: the key
store's file and the compiler's output tree. ``flock`` is released when the descriptor closes,
or when the process dies, so a crashed writer never leaves a stale lock behind."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

__all__ = ["folder_lock"]


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``folder`` (POSIX; elsewhere nothing is locked)."""
    try:
        import fcntl
    except ImportError:  # not POSIX: writers are not serialised
        yield
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # releases the lock
