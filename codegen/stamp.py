"""Knowing, without compiling, that generate would change nothing.

A stamp records what the last successful generate read (every byte of the registry, the
templates, the schema, the compiler's own source and the versions of the tools that shape the
output) and what it left in the output folder (each file's size and modification time). When
both still match, the output is exactly what a compile would write, because compiling is
deterministic; generate then stops before importing anything heavy. Any difference, or no
stamp, means a full compile. Stamps live in the user's cache folder, never in the project.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
from pathlib import Path

from llm_registry.codegen.cache import cache_path
from llm_registry.codegen.writer import tree_files
from llm_registry.templates import TEMPLATES_DIR as _TEMPLATES_DIR

_CODEGEN_DIR = Path(__file__).resolve().parent
# The distributions whose versions shape generated output.
_MAX_INPUT_BYTES = 64 * 1024 * 1024
_TOOLS = ("black", "datamodel_code_generator", "fastjsonschema", "jinja2", "jsonschema", "pyyaml")


def _tool_versions() -> list[str]:
    # The dist-info folder names carry the versions; reading them costs a directory listing,
    # where importlib.metadata would cost an import heavier than this whole check.
    versions: list[str] = []
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        versions.extend(
            name
            for name in names
            if name.endswith(".dist-info") and name.split("-")[0].lower() in _TOOLS
        )
    return sorted(versions)


def inputs_fingerprint(registry_dir: Path) -> str | None:
    """A digest of everything generate reads, or None when something cannot be read (the
    compile then runs and reports it properly)."""
    try:
        return _inputs_digest(registry_dir)
    except OSError:
        return None


def _inputs_digest(registry_dir: Path) -> str:
    digest = hashlib.sha256()
    for label, root in (
        ("registry", registry_dir),
        ("templates", _TEMPLATES_DIR),
        ("codegen", _CODEGEN_DIR),
    ):
        for path in tree_files(root):
            status = path.stat()
            if not stat.S_ISREG(status.st_mode) or status.st_size > _MAX_INPUT_BYTES:
                # A FIFO or a link to a device must not hang the check; the compile decides.
                raise OSError(f"{path}: not a regular file of reasonable size")
            digest.update(f"{label}/{path.relative_to(root).as_posix()}\0".encode())
            digest.update(path.read_bytes())
            digest.update(b"\0")
    digest.update("\0".join([*_tool_versions(), sys.version]).encode())
    return digest.hexdigest()


def outputs_fingerprint(out_dir: Path) -> list[list[object]]:
    """Each output file with its size and modification time, as generate left it."""
    listing: list[list[object]] = []
    for path in tree_files(out_dir) if out_dir.is_dir() else []:
        status = path.stat()
        listing.append([path.relative_to(out_dir).as_posix(), status.st_size, status.st_mtime_ns])
    return listing


def _stamp_file(out_dir: Path) -> Path:
    key = hashlib.sha256(str(out_dir.resolve()).encode()).hexdigest()[:24]
    return cache_path("stamps", f"{key}.json")


def unchanged_outputs(out_dir: Path, inputs: str) -> int | None:
    """How many files generate would leave as they are, when it would change none; else None."""
    try:
        stamp = json.loads(_stamp_file(out_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    try:
        outputs = outputs_fingerprint(out_dir)
    except OSError:
        return None  # another run is swapping the tree in right now: compile (under its lock)
    if stamp.get("inputs") != inputs or stamp.get("outputs") != outputs:
        return None
    return len(outputs)


def record(out_dir: Path, inputs: str) -> None:
    """Remember a successful generate; a failure to write the stamp only costs speed."""
    path = _stamp_file(out_dir)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(
            json.dumps({"inputs": inputs, "outputs": outputs_fingerprint(out_dir)}),
            encoding="utf-8",
        )
        os.replace(temporary, path)
    except OSError:
        pass
