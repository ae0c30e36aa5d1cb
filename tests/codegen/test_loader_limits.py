"""The loader stays linear and bounded however large or odd a descriptor is."""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

from llm_registry.codegen.validate import validate_registry
from llm_registry.codegen.yaml_limits import MAX_NODES
from llm_registry.codegen.yaml_loader import load_descriptor
from tests.codegen.conftest import ACME, RegistryFactory


def _seconds_to_validate(registry: Path) -> float:
    best = float("inf")
    for _ in range(2):  # the better of two runs: a shared machine's hiccups are one-sided
        started = time.perf_counter()
        validate_registry(registry)
        best = min(best, time.perf_counter() - started)
    return best


def test_diagnostics_cost_grows_linearly_with_their_number(
    make_registry: RegistryFactory,
) -> None:
    def registry_with(unknown_keys: int) -> Path:
        extra = "".join(f"unknown_key_{i}: {i}\n" for i in range(unknown_keys))
        registry = make_registry({"acme": ACME + extra})
        assert len(validate_registry(registry).diagnostics) == unknown_keys
        return registry

    small, large = registry_with(2_000), registry_with(16_000)
    ratio = _seconds_to_validate(large) / _seconds_to_validate(small)
    # Eight times the problems: linear is about 8, quadratic (each diagnostic scanning the
    # mapping for its position) was about 64.
    assert ratio < 20, ratio


def test_a_huge_flow_list_is_refused_before_it_is_built() -> None:
    data = (ACME + "extra: [" + "1," * 2_000_000 + "1]\n").encode()  # about 4 MB
    tracemalloc.start()
    try:
        document, diagnostics = load_descriptor(data, "acme.yaml")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert document is None
    assert [d.code for d in diagnostics] == ["E111"]
    assert f"{MAX_NODES:,}" in diagnostics[0].message
    # The nodes are counted from the event stream, one event at a time, never composed.
    assert peak < 2 * len(data), peak


def test_a_descriptor_of_ordinary_size_is_not_refused() -> None:
    models = "".join(
        f"  - id: model-{i}\n    display_name: Model {i}\n    context_window: 8192\n"
        for i in range(2_000)
    )
    data = ACME.replace("default_models:\n", "default_models:\n" + models, 1).encode()
    document, diagnostics = load_descriptor(data, "acme.yaml")
    assert document is not None
    assert diagnostics == []
    assert len(document.value["default_models"]) == 2_001
