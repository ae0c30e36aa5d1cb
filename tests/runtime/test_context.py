"""Context-limit detection: every provider's own patterns (the registry compiled from
tests/runtime/registry/, and the curated one) and the built-in phrasings."""

from __future__ import annotations

import pytest

from llm_registry import runtime
from llm_registry.runtime import Registry
from llm_registry.runtime._context import BUILTIN_CONTEXT_LIMIT_PATTERNS

TEST_IDS = [
    "wire-openai",
    "wire-anthropic",
    "wire-gemini",
    "wire-aggregator",
    "wire-local",
    "wire-custom",
]

# Real messages servers send when a prompt overflows, with the curated provider whose model id
# the check runs under.
REAL_OVERFLOW_MESSAGES = [
    (
        "openai::gpt-4.1",
        "This model's maximum context length is 128000 tokens. However, your messages "
        "resulted in 130567 tokens. Please reduce the length of the messages.",
    ),
    ("openai::gpt-5", "Input tokens exceed the configured limit of 272000 tokens."),
    ("openai::gpt-4.1", "Error code: 400 - context_length_exceeded"),
    ("anthropic::claude-sonnet-4-5", "prompt is too long: 208310 tokens > 200000 maximum"),
    (
        "google::gemini-2.5-pro",
        "The input token count (1196265) exceeds the maximum number of tokens allowed (1048576).",
    ),
    (
        "kimi::kimi-k2.5",
        "Invalid request: Your request exceeded model token limit: 262144 (requested: 291351)",
    ),
    ("lmstudio::qwen3-8b", "The request exceeds the available context size, try increasing it"),
    ("ollama::llama3.2", "the request exceeds the available context size, try increasing it"),
    (
        "mistral::mistral-large-latest",
        "Prompt contains 40000 tokens and 0 draft tokens, too large for model with 32768 "
        "maximum context length",
    ),
    (
        "xai::grok-4",
        "This model's maximum prompt length is 131072 but the request contains 150000 tokens.",
    ),
    ("deepseek::deepseek-chat", "This model's maximum context length is 65536 tokens."),
    ("openrouter::x/y", "context window exceeded"),
    ("together::m", "is longer than the model's context length"),
    ("groq::m", "Please reduce the length of the messages or completion."),
    ("fireworks::m", "The length of all messages is too long"),
    ("cerebras::m", "Error: exceed context limit of 8192"),
]

NOT_OVERFLOW_MESSAGES = [
    "Incorrect API key provided: sk-***",
    "Rate limit reached for requests per min (RPM)",
    "The server had an error while processing your request.",
    "model not found",
    "Overloaded",
    "",
]


@pytest.mark.parametrize(("model_id", "message"), REAL_OVERFLOW_MESSAGES)
def test_real_overflow_messages_are_detected(model_id: str, message: str) -> None:
    assert runtime.detect_context_limit_error(message, model_id)
    assert runtime.detect_context_limit_error(message.upper(), model_id)


@pytest.mark.parametrize("message", NOT_OVERFLOW_MESSAGES)
@pytest.mark.parametrize("provider_id", TEST_IDS)
def test_other_errors_are_not_overflow(
    test_registry: Registry, provider_id: str, message: str
) -> None:
    model_id = f"{provider_id}::some-model"
    assert not runtime.detect_context_limit_error(message, model_id, registry=test_registry)


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


def test_every_curated_pattern_is_detected_for_its_provider() -> None:
    _assert_own_patterns_detected(None)


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
        "too large for model",
        "length of all messages is too long",
    ):
        assert phrase in BUILTIN_CONTEXT_LIMIT_PATTERNS
        assert runtime.detect_context_limit_error(f"xx {phrase} yy", "unknown::m")
