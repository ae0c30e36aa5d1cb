"""Golden files: each scenario's registry compiles to exactly its committed expected/ tree.
After an intended change to the output, run `make golden` and review the diff."""

from __future__ import annotations

from pathlib import Path

import pytest

from llm_registry.codegen.pipeline import compile_registry
from llm_registry.codegen.writer import read_tree
from tests.codegen.regenerate_golden import scenarios


@pytest.mark.parametrize("scenario", scenarios(), ids=lambda path: path.name)
def test_scenario_compiles_to_its_golden_output(scenario: Path) -> None:
    actual = compile_registry(scenario / "registry")
    expected = read_tree(scenario / "expected")
    assert sorted(actual) == sorted(expected)
    for path in sorted(actual):
        assert actual[path].decode("utf-8") == expected[path].decode("utf-8"), (
            f"{path} differs; run `make golden`"
        )


def test_compiling_twice_is_byte_identical() -> None:
    for scenario in scenarios():
        assert compile_registry(scenario / "registry") == compile_registry(scenario / "registry")
