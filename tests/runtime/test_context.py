"""Context-limit detection on the test registry: real error samples per provider, every
provider's own patterns, and the built-in phrasings (the curated registry's own patterns are
checked in test_curated.py)."""

from __future__ import annotations

import pytest

from llm_registry import runtime
from llm_registry.runtime import Registry
from llm_registry.runtime._context import BUILTIN_CONTEXT_LIMIT_PATTERNS

# Real error messages, each under the provider of the test registry whose wire format (or kind
# of server) sends it, and whether it must be detected as a context overflow. Overflows are
# found by the built-in phrasings (any provider) or the provider's own patterns (its own ids
# only); every other error a server sends must not be taken for one.
SAMPLES = [
    # OpenAI and OpenAI-compatible vendors.
    (
        "wire-openai",
        "This model's maximum context length is 128000 tokens. However, your messages "
        "resulted in 130567 tokens. Please reduce the length of the messages.",
        True,
    ),
    ("wire-openai", "Input tokens exceed the configured limit of 272000 tokens.", True),
    ("wire-openai", "Error code: 400 - context_length_exceeded", True),
    ("wire-openai", "the wire-openai context is full", True),  # its own pattern
    ("wire-openai", "Incorrect API key provided: sk-***", False),
    ("wire-openai", "Rate limit reached for requests per min (RPM)", False),
    ("wire-openai", "The server had an error while processing your request.", False),
    ("wire-openai", "the custom context is full", False),  # another provider's pattern
    # Anthropic.
    ("wire-anthropic", "prompt is too long: 208310 tokens > 200000 maximum", True),
    ("wire-anthropic", "the wire-anthropic prompt overflowed", True),
    ("wire-anthropic", "invalid x-api-key", False),
    ("wire-anthropic", "Number of request tokens has exceeded your per-minute rate limit", False),
    ("wire-anthropic", "Overloaded", False),
    # Gemini.
    (
        "wire-gemini",
        "The input token count (1196265) exceeds the maximum number of tokens allowed (1048576).",
        True,
    ),
    ("wire-gemini", "the wire-gemini input is too long", True),
    ("wire-gemini", "API key not valid. Please pass a valid API key.", False),
    ("wire-gemini", "Resource has been exhausted (e.g. check quota).", False),
    # An aggregator relays its vendors' wordings.
    ("wire-aggregator", "context window exceeded", True),
    (
        "wire-aggregator",
        "Prompt contains 40000 tokens and 0 draft tokens, too large for model with 32768 "
        "maximum context length",
        True,
    ),
    (
        "wire-aggregator",
        "This model's maximum prompt length is 131072 but the request contains 150000 tokens.",
        True,
    ),
    ("wire-aggregator", "This model's maximum context length is 65536 tokens.", True),
    ("wire-aggregator", "is longer than the model's context length", True),
    ("wire-aggregator", "Please reduce the length of the messages or completion.", True),
    ("wire-aggregator", "The length of all messages is too long", True),
    ("wire-aggregator", "Error: exceed context limit of 8192", True),
    ("wire-aggregator", "the aggregated context is full", True),
    ("wire-aggregator", "the wire-openai context is full", False),
    ("wire-aggregator", "model not found", False),
    # Local servers (llama.cpp, LM Studio, Ollama).
    ("wire-local", "The request exceeds the available context size, try increasing it", True),
    ("wire-local", "the request exceeds the available context size, try increasing it", True),
    ("wire-local", "the local context is full", True),
    ("wire-local", "", False),
    # A provider with its own class (Moonshot AI's wording).
    (
        "wire-custom",
        "Invalid request: Your request exceeded model token limit: 262144 (requested: 291351)",
        True,
    ),
    ("wire-custom", "the custom context is full", True),
    ("wire-custom", "model not found", False),
    # A templated base URL.
    ("wire-templated", "the templated context is full", True),
    ("wire-templated", "the custom context is full", False),
]


@pytest.mark.parametrize(("provider_id", "message", "detected"), SAMPLES)
def test_error_samples_are_told_apart(
    test_registry: Registry, provider_id: str, message: str, detected: bool
) -> None:
    for model_id in (f"{provider_id}::some-model", provider_id):
        for text in (message, message.upper()):
            found = runtime.detect_context_limit_error(text, model_id, registry=test_registry)
            assert found is detected, (model_id, text)


def test_the_samples_cover_every_provider_both_ways(test_registry: Registry) -> None:
    for provider_id in test_registry.ids:
        assert {detected for pid, _, detected in SAMPLES if pid == provider_id} == {True, False}


def _assert_own_patterns_detected(registry: Registry | None) -> None:
    for descriptor in runtime.providers(registry=registry):
        patterns = descriptor.context_limit_patterns
        assert patterns, "the schema requires at least one pattern"
        for pattern in patterns:
            message = f"Error 400: {pattern.upper()} (request id abc)"
            for model_id in (f"{descriptor.id}::any-model", descriptor.id):
                assert runtime.detect_context_limit_error(message, model_id, registry=registry)


def test_every_registry_pattern_is_detected_for_its_provider(test_registry: Registry) -> None:
    _assert_own_patterns_detected(test_registry)


def test_a_registry_pattern_only_applies_to_its_own_provider(test_registry: Registry) -> None:
    own = "the wire-openai context is full"
    assert own in runtime.get_provider("wire-openai", registry=test_registry).context_limit_patterns
    assert not any(own in p for p in BUILTIN_CONTEXT_LIMIT_PATTERNS)
    assert runtime.detect_context_limit_error(own, "wire-openai::m", registry=test_registry)
    assert not runtime.detect_context_limit_error(own, "wire-anthropic::m", registry=test_registry)
    # The same id looked up in another registry (the curated default) knows no such provider.
    assert not runtime.detect_context_limit_error(own, "wire-openai::m")


def test_built_in_phrasings_apply_to_ids_the_registry_does_not_know() -> None:
    message = "This model's maximum context length is 4096 tokens"
    assert runtime.detect_context_limit_error(message, "unknown-provider::model")
    assert runtime.detect_context_limit_error(message, "not even an id")
    assert not runtime.detect_context_limit_error("model not found", "unknown-provider::model")


def test_the_issue_s_phrasings_are_all_built_in() -> None:
    for phrase in (
        "maximum context length is",
        "context window exceeded",
        "context_length_exceeded",
        "prompt is too long",
        "exceed context limit",
        "exceeds the available context size",
        "exceeds the maximum number of tokens allowed",
        "is longer than the model's context length",
        "input tokens exceed the configured limit",
        "too large for model with",
        "length of all messages is too long",
    ):
        assert phrase in BUILTIN_CONTEXT_LIMIT_PATTERNS
        assert runtime.detect_context_limit_error(f"xx {phrase} yy", "unknown::m")
