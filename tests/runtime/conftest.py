from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from llm_registry.curated.descriptor import ApiKey, Discovery, Model, ProviderDescriptor, Reasoning
from tests.loopback import LoopbackServer

TEST_KEY = "sk-loopback-SECRET-7f3a9c2e41d8b6"

IMPLEMENTATIONS = {
    "openai": "openai_compatible",
    "anthropic": "anthropic",
    "gemini": "google",
    "responses": "openai_responses",
}


@pytest.fixture(scope="session")
def _session_server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as server:
        yield server


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
