"""Which files of a registry folder are descriptors, and reading a file safely."""

from __future__ import annotations

import stat
from pathlib import Path

from llm_registry.codegen.diagnostics import Diagnostic

__all__ = ["DESCRIPTOR_SUFFIX", "MAX_FILE_BYTES", "descriptor_files", "read_regular_file"]

DESCRIPTOR_SUFFIX = ".yaml"

MAX_FILE_BYTES = 16 * 1024 * 1024


def read_regular_file(path: Path) -> tuple[bytes | None, str]:
    """(contents, "") or (None, why not): only regular files of sane size are read, so a FIFO
    or a link to /dev/zero can neither hang the compiler nor fill its memory."""
    try:
        status = path.stat()
        if not stat.S_ISREG(status.st_mode):
            return None, "not a regular file"
        if status.st_size > MAX_FILE_BYTES:
            return None, f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB"
        with open(path, "rb") as handle:
            return handle.read(MAX_FILE_BYTES + 1), ""
    except OSError as error:
        return None, f"cannot read file: {error.strerror}"


def _ignored(name: str) -> bool:
    """Hidden files, editor backups and notes beside the descriptors."""
    return name.startswith(".") or name.endswith(("~", ".swp", ".bak", ".orig", ".md", ".txt"))


def descriptor_files(registry_dir: Path) -> tuple[list[Path], list[Diagnostic]]:
    """The descriptor files of a registry, sorted; stray files in providers/ are errors, not
    silence."""
    providers_dir = registry_dir / "providers"
    files, diagnostics = [], []
    for path in sorted(providers_dir.iterdir()):
        if _ignored(path.name) or (path.is_dir() and path.suffix != DESCRIPTOR_SUFFIX):
            continue
        if path.suffix == DESCRIPTOR_SUFFIX and path.is_dir():
            diagnostics.append(
                Diagnostic(str(path), 0, 0, "E003", "a folder, not a descriptor file")
            )
        elif path.suffix == DESCRIPTOR_SUFFIX:
            files.append(path)
        else:
            diagnostics.append(
                Diagnostic(
                    str(path),
                    0,
                    0,
                    "E003",
                    f"not a descriptor: descriptor files are named <id>{DESCRIPTOR_SUFFIX}",
                )
            )
    return files, diagnostics
