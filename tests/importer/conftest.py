from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
CATALOGUE_FIXTURE = FIXTURES / "catalogue"
EXPECTED = FIXTURES / "expected"
# The public models.dev catalogue beside the project (read-only; never copied into the project),
# or wherever MODELS_DEV_CATALOGUE points.
MODELS_DEV = Path(
    os.environ.get("MODELS_DEV_CATALOGUE")
    or PROJECT_ROOT / ".." / "shared" / "corpus" / "models.dev"
).resolve()

CatalogueFactory = Callable[..., Path]


def run_codegen(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "llm_registry.codegen", *args],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def catalogue(tmp_path: Path) -> CatalogueFactory:
    """A copy of the fixture catalogue with extra files: {relative path: text}; None deletes a file."""

    def make(extra: dict[str, str | None] | None = None, name: str = "catalogue") -> Path:
        root = tmp_path / name
        shutil.rmtree(root, ignore_errors=True)
        shutil.copytree(CATALOGUE_FIXTURE, root)
        for relative, text in (extra or {}).items():
            path = root / relative
            if text is None:
                if path.is_dir():
                    shutil.rmtree(path)
                else:
                    path.unlink()
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        return root

    return make


def tree(root: Path) -> dict[str, bytes]:
    """Every file under root, by its posix path relative to root."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }
