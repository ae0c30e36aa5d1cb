"""The curated registry itself (llm_registry.curated, compiled from registry/): what the
runtime's users rely on it to hold. Every other runtime and discovery test runs on the test
registry, so editing a curated descriptor can only break a test here."""

from __future__ import annotations

import pytest

from llm_registry import runtime

# Real messages the curated providers' servers send when a prompt overflows, under a model id
# of that provider: the curated registry (its patterns, or the built-in phrasings) detects each.
REAL_OVERFLOW_MESSAGES = [
    (
        "openai::gpt-4.1",
        "This model's maximum context length is 128000 tokens. However, your messages "
        "resulted in 130567 tokens. Please reduce the length of the messages.",
    ),
    ("openai::gpt-5", "Input tokens exceed the configured limit of 272000 tokens."),
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


@pytest.mark.parametrize(("model_id", "message"), REAL_OVERFLOW_MESSAGES)
def test_curated_providers_real_overflow_messages_are_detected(model_id: str, message: str) -> None:
    runtime.parse_model_id(model_id)  # the provider is a curated one (else this raises)
    assert runtime.detect_context_limit_error(message, model_id)


def test_every_curated_pattern_is_detected_for_its_provider() -> None:
    for descriptor in runtime.providers():
        assert descriptor.context_limit_patterns, "the schema requires at least one pattern"
        for pattern in descriptor.context_limit_patterns:
            message = f"Error 400: {pattern.upper()} (request id abc)"
            assert runtime.detect_context_limit_error(message, f"{descriptor.id}::any-model")
