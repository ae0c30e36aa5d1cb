"""Rewrite the expected output of every golden scenario: `make golden` (which also runs
tests.importer.regenerate_expected for the importer's expected files).

Review the diff before committing it: it is the compiler's output changing.
"""

from __future__ import annotations

from pathlib import Path

from llm_registry.codegen.pipeline import compile_registry
from llm_registry.codegen.writer import write_tree

GOLDEN = Path(__file__).parent / "golden"


def scenarios() -> list[Path]:
    return sorted(path for path in GOLDEN.iterdir() if (path / "registry").is_dir())


def main() -> None:
    for scenario in scenarios():
        summary = write_tree(scenario / "expected", compile_registry(scenario / "registry"))
        print(f"{scenario.name}: {len(summary.written)} written, {len(summary.removed)} removed")


if __name__ == "__main__":
    main()
