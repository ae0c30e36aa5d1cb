"""The curated registry itself (llm_registry.curated, compiled from registry/): what the
runtime's users rely on it to hold. Every other runtime and discovery test runs on the test
registry, so editing a curated descriptor can only break a test here."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from llm_registry import runtime
from llm_registry.runtime import UserMessage
from tests.loopback import Format, LoopbackServer
from tests.runtime.test_public_api import HEAVY_MODULES, loaded_modules

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


def test_the_kimi_key_message_reads_as_the_original_design_says() -> None:
    check = runtime.can_proceed("kimi")
    assert check.message is not None
    assert check.message.startswith("Please add your Moonshot AI (Kimi) API key in Settings")


def test_curated_lookups_load_no_sdk_http_client_or_schema_library() -> None:
    code = (
        "import sys, json\n"
        "from llm_registry import runtime\n"
        "runtime.get_provider('openai')\n"
        "runtime.parse_model_id('openrouter::meta-llama/llama-4-scout')\n"
        "runtime.detect_context_limit_error('prompt is too long', 'anthropic::claude-sonnet-4-5')\n"
        "runtime.can_proceed('kimi')\n"
        "runtime.create_provider('ollama')\n"
        f"print(json.dumps([m for m in {HEAVY_MODULES!r} if m in sys.modules]))\n"
    )
    assert loaded_modules(code) == []


def test_a_lookup_loads_only_the_runtime_modules_lookups_need() -> None:
    # `import llm_registry.runtime` is meant to take milliseconds: the modules for requests
    # (URLs, endpoints, chat, discovery, the key store) load when a request is made, and the
    # package's files (importlib.resources) when one is read.
    code = (
        "import sys, json\n"
        "from llm_registry import runtime\n"
        "runtime.get_provider('openai')\n"
        "runtime.detect_context_limit_error('prompt is too long', 'anthropic::claude-sonnet-4-5')\n"
        "loaded = [m for m in sys.modules if m.startswith('llm_registry.runtime.')]\n"
        "loaded += [m for m in ('importlib.resources',) if m in sys.modules]\n"
        "print(json.dumps(sorted(loaded)))\n"
    )
    assert loaded_modules(code) == [
        "llm_registry.runtime._context",
        "llm_registry.runtime._errors",
        "llm_registry.runtime._keys",
        "llm_registry.runtime._registry",
        "llm_registry.runtime._rules",
    ]


def test_the_default_is_the_curated_registry() -> None:
    from llm_registry import curated

    assert runtime.default_registry() is curated.REGISTRY
    assert runtime.default_registry().package == "llm_registry.curated"
    assert [d.id for d in runtime.providers()] == list(curated.IDS) == list(curated.PROVIDERS)
    for provider_id in curated.IDS:
        assert runtime.get_provider(provider_id) is curated.PROVIDERS[provider_id]


def test_every_curated_default_model_round_trips_through_the_grammar() -> None:
    for descriptor in runtime.providers():
        for model in descriptor.default_models:
            ref = runtime.parse_model_id(f"{descriptor.id}::{model.id}")
            assert (ref.provider_id, ref.model) == (descriptor.id, model.id)


def test_curated_aggregator_labels() -> None:
    assert runtime.provider_label("openrouter::meta-llama/llama-4-scout") == "meta-llama"
    assert runtime.provider_label("together::meta-llama/Llama-3.3-70B-Instruct-Turbo") == "together"


@pytest.mark.parametrize("descriptor", runtime.providers(), ids=lambda d: d.id)
def test_every_curated_provider_streams_through_its_class(
    llm_server: LoopbackServer, descriptor: Any
) -> None:
    formats: dict[str, Format] = {
        "openai_compatible": "openai",
        "anthropic": "anthropic",
        "google": "gemini",
    }
    wire_format = formats[descriptor.implementation]
    model = descriptor.default_models[0].id if descriptor.default_models else "some-model"
    provider = runtime.create_provider(
        descriptor,
        api_key="sk-registry-test",
        base_url=llm_server.base_url("ok", wire_format),
        timeout=10,
    )
    result = asyncio.run(runtime.collect(provider.stream(model, [UserMessage("Hi")])))
    assert result.text == "Hello from the loopback server."
    sent = llm_server.requests[-1]
    for name, value in (descriptor.headers or {}).items():
        assert sent.headers[name.lower()] == value
