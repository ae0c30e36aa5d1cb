"""Writing generated/: all or nothing, and nothing at all when nothing changed.

The new tree is built beside the old one and swapped in with two renames, so a reader (or an
interrupted run) sees either the old tree or the new one, never a mix. Files whose bytes did
not change are hard-linked into the new tree, so their modification times stay as they were.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

_IGNORED_DIRS = {"__pycache__"}


@dataclass
class WriteSummary:
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.written or self.removed)


def read_tree(root: Path) -> dict[str, bytes]:
    """Every file under root by its relative path, skipping bytecode caches."""
    files: dict[str, bytes] = {}
    if not root.is_dir():
        return files
    for directory, subdirectories, names in os.walk(root):
        subdirectories[:] = sorted(name for name in subdirectories if name not in _IGNORED_DIRS)
        for name in names:
            path = Path(directory, name)
            files[path.relative_to(root).as_posix()] = path.read_bytes()
    return files


def _siblings(out_dir: Path, kind: str) -> list[Path]:
    return sorted(out_dir.parent.glob(f".{out_dir.name}.{kind}-*"))


def recover(out_dir: Path) -> None:
    """Finish or undo a swap that an earlier run did not complete."""
    backups = _siblings(out_dir, "previous")
    if not out_dir.exists() and backups:
        # Interrupted between the two renames: the old tree is complete, put it back.
        os.rename(backups[-1], out_dir)
        backups = backups[:-1]
    for leftover in backups + _siblings(out_dir, "staging"):
        shutil.rmtree(leftover, ignore_errors=True)


def write_tree(out_dir: Path, files: dict[str, bytes]) -> WriteSummary:
    """Make out_dir hold exactly files; returns what changed."""
    recover(out_dir)
    existing = read_tree(out_dir)
    summary = WriteSummary(
        written=sorted(path for path, data in files.items() if existing.get(path) != data),
        removed=sorted(path for path in existing if path not in files),
        unchanged=sum(1 for path, data in files.items() if existing.get(path) == data),
    )
    if not summary.changed:
        return summary

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = out_dir.parent / f".{out_dir.name}.staging-{os.getpid()}"
    backup = out_dir.parent / f".{out_dir.name}.previous-{os.getpid()}"
    try:
        for relative, data in sorted(files.items()):
            target = staging / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            if existing.get(relative) == data:
                _link_or_copy(out_dir / relative, target)
            else:
                target.write_bytes(data)
        if out_dir.exists():
            os.rename(out_dir, backup)
        os.rename(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if backup.exists() and not out_dir.exists():
            os.rename(backup, out_dir)
        raise
    shutil.rmtree(backup, ignore_errors=True)
    return summary


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)
