"""Rewrite the expected output of every golden scenario: `make golden` (which also runs
tests.importer.regenerate_expected for the importer's expected files).

Review the diff before committing it: it is the compiler's output changing.
"""

from __future__ import annotations

from pathlib import Path

from llm_registry.codegen.pipeline import compile_targets
from llm_registry.codegen.targets import plan_trees
from llm_registry.codegen.writer import write_tree

GOLDEN = Path(__file__).parent / "golden"
TARGETS = ("python", "typescript")


def scenarios() -> list[Path]:
    return sorted(path for path in GOLDEN.iterdir() if (path / "registry").is_dir())


def compile_scenario(scenario: Path) -> dict[str, bytes]:
    """Every target of the scenario's registry as one tree: the Python package in expected/,
    the TypeScript target in expected/ts (the default layout)."""
    expected = scenario / "expected"
    compiled = compile_targets(scenario / "registry", TARGETS)
    [tree] = plan_trees(compiled, {"python": expected, "typescript": expected / "ts"})
    return tree.files


def main() -> None:
    for scenario in scenarios():
        summary = write_tree(scenario / "expected", compile_scenario(scenario))
        print(f"{scenario.name}: {len(summary.written)} written, {len(summary.removed)} removed")


if __name__ == "__main__":
    main()
