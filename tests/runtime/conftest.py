from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from llm_registry.curated.descriptor import ApiKey, Discovery, Model, ProviderDescriptor, Reasoning
from llm_registry.runtime import Registry, load_registry
from tests.loopback import LoopbackServer

# The registry the runtime's tests run against: a few providers, one per wire format and
# shape the tests need, compiled at the start of the session like an app's own registry.
TEST_REGISTRY_DIR = Path(__file__).parent / "registry"
TEST_REGISTRY_PACKAGE = "wire_registry"

TEST_KEY = "sk-loopback-SECRET-7f3a9c2e41d8b6"

IMPLEMENTATIONS = {"openai": "openai_compatible", "anthropic": "anthropic", "gemini": "google"}


@pytest.fixture(scope="session")
def _session_server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as server:
        yield server


@dataclass(frozen=True)
class CompiledRegistry:
    """A registry compiled into an importable package for the session."""

    registry: Registry
    package: str
    import_root: Path  # the folder on sys.path that holds the package


def compile_test_registry(import_root: Path, package: str = TEST_REGISTRY_PACKAGE) -> Path:
    """Compile tests/runtime/registry/ into ``import_root/package``; return the package folder."""
    from llm_registry.codegen.pipeline import compile_registry
    from llm_registry.codegen.writer import write_tree

    out = import_root / package
    write_tree(out, compile_registry(TEST_REGISTRY_DIR))
    return out


@pytest.fixture(scope="session")
def compiled_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CompiledRegistry]:
    """tests/runtime/registry/ compiled into a package on sys.path, and its REGISTRY."""
    import_root = tmp_path_factory.mktemp("registry-package")
    compile_test_registry(import_root)
    sys.path.insert(0, str(import_root))
    try:
        yield CompiledRegistry(
            load_registry(TEST_REGISTRY_PACKAGE), TEST_REGISTRY_PACKAGE, import_root
        )
    finally:
        sys.path.remove(str(import_root))
        for name in [m for m in sys.modules if m.partition(".")[0] == TEST_REGISTRY_PACKAGE]:
            del sys.modules[name]


@pytest.fixture(scope="session")
def test_registry(compiled_registry: CompiledRegistry) -> Registry:
    """The REGISTRY of the package compiled from tests/runtime/registry/."""
    return compiled_registry.registry


@pytest.fixture
def llm_server(_session_server: LoopbackServer) -> LoopbackServer:
    """The loopback LLM server, with an empty request log."""
    _session_server.clear()
    return _session_server


def make_descriptor(wire_format: str = "openai", **overrides: Any) -> ProviderDescriptor:
    """A descriptor built directly (not from the registry) for one wire format."""
    fields: dict[str, Any] = {
        "id": f"test-{wire_format}",
        "display_name": f"Test {wire_format.title()}",
        "base_url": "https://api.test.example/v1",
        "implementation": IMPLEMENTATIONS[wire_format],
        "api_key": ApiKey(
            env="TEST_LOOPBACK_API_KEY", placeholder="sk-...", url="https://test.example/keys"
        ),
        "context_limit_patterns": ["the test context is full"],
        "discovery": Discovery(dialect="none"),
        "default_models": [
            Model(
                id="plain-model",
                display_name="Plain",
                context_window=8192,
                max_output_tokens=1024,
                attachments=["text", "image"],
            ),
            Model(
                id="effort-model",
                display_name="Effort",
                context_window=8192,
                max_output_tokens=2048,
                attachments=["text"],
                reasoning=Reasoning(mode="effort", efforts=["low", "medium", "high"]),
            ),
            Model(
                id="budget-model",
                display_name="Budget",
                context_window=200000,
                max_output_tokens=8192,
                attachments=["text"],
                reasoning=Reasoning(mode="budget_tokens", min_budget_tokens=1024),
            ),
        ],
    }
    fields.update(overrides)
    return ProviderDescriptor(**fields)
