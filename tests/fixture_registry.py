"""The test registry (tests/registry/): a few providers, one per wire format, listing dialect
and shape the runtime's and discovery's tests need, compiled at the start of the session like
an app's own registry (the fixtures are in tests/conftest.py).

Runtime and discovery tests name only these providers and pass ``registry=`` (or
``--package``), so editing a curated descriptor (registry/providers/) cannot break them; the
curated registry's own facts are checked in tests/runtime/test_curated.py.

- ``wire-openai``: OpenAI-compatible, listing dialect ``openai``, models ``plain-model`` (priced,
  with cache reads) and ``effort-model`` (reasoning effort, no prices)
- ``wire-anthropic``: Anthropic's native format and listing, ``budget-model`` (priced, with
  cache reads and writes at both lifetimes)
- ``wire-gemini``: Gemini's native format, listing dialect ``google``, ``gemini-model`` (priced,
  with a tier above 200,000 input tokens)
- ``wire-aggregator``: OpenAI-compatible, listing dialect ``openrouter``
- ``wire-local``: keyless local server, listing dialect ``ollama``
- ``wire-custom``: a provider class of its own (tests/runtime/custom_provider.py), no listing
- ``wire-templated``: OpenAI-compatible, listing dialect ``openai``, a templated base URL whose
  ``{resource}`` has no default (``WIRE_TEMPLATED_RESOURCE``, or the key store)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from llm_registry.runtime import Registry

TEST_REGISTRY_DIR = Path(__file__).parent / "registry"
TEST_REGISTRY_PACKAGE = "wire_registry"


@dataclass(frozen=True)
class CompiledRegistry:
    """A registry compiled into an importable package for the session."""

    registry: Registry
    package: str
    import_root: Path  # the folder on sys.path that holds the package


def compile_test_registry(import_root: Path, package: str = TEST_REGISTRY_PACKAGE) -> Path:
    """Compile tests/registry/ into ``import_root/package``; return the package folder."""
    from llm_registry.codegen.pipeline import compile_registry
    from llm_registry.codegen.writer import write_tree

    out = import_root / package
    write_tree(out, compile_registry(TEST_REGISTRY_DIR))
    return out
