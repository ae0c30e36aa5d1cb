"""Running the TypeScript target through the pinned toolchain: tsc from node_modules (`npm ci`,
which make test runs when node is on the machine) and node's own test runner.

Tests that need node skip, saying why, only when node is absent; with node present, a missing
`npm ci` fails them, since make test would have run it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.codegen.conftest import PROJECT_ROOT

TSC = PROJECT_ROOT / "node_modules" / "typescript" / "bin" / "tsc"
NODE_TYPES = PROJECT_ROOT / "node_modules" / "@types"
# The strictest settings an app may compile the generated module with.
STRICT_FLAGS = (
    "--strict",
    "--noUncheckedIndexedAccess",
    "--exactOptionalPropertyTypes",
    "--noImplicitOverride",
    "--noPropertyAccessFromIndexSignature",
    "--target",
    "es2022",
    "--module",
    "nodenext",
    "--skipLibCheck",
)


@dataclass(frozen=True)
class Toolchain:
    node: str

    def tsc(
        self, folder: Path, *args: str, node_types: bool = False
    ) -> subprocess.CompletedProcess[str]:
        """tsc over folder's files as given, run in folder (an ES module package)."""
        (folder / "package.json").write_text(json.dumps({"private": True, "type": "module"}))
        # Outside this checkout no @types are found unless named: node's only when asked for.
        types = ("--typeRoots", str(NODE_TYPES), "--types", "node") if node_types else ()
        return subprocess.run(
            [self.node, str(TSC), *STRICT_FLAGS, *types, *args],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=300,
        )

    def node_run(
        self, folder: Path, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self.node, *args],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=300,
            env={"PATH": "/usr/bin:/bin", **(env or {})},
        )


@pytest.fixture(scope="session")
def toolchain() -> Toolchain:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the TypeScript target's checks need node (v18+)")
    if not TSC.is_file():
        pytest.fail(f"{TSC} is missing: run `npm ci` in {PROJECT_ROOT} (make test does)")
    return Toolchain(node)
