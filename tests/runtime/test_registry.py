"""Registry access and the model-id grammar, against the real generated registry."""

from __future__ import annotations

import pytest

from llm_registry import curated as generated
from llm_registry import runtime
from llm_registry.runtime import InvalidModelIdError, UnknownProviderError


def test_providers_are_the_generated_registry_in_its_order() -> None:
    assert [d.id for d in runtime.providers()] == list(generated.PROVIDERS)
    assert runtime.providers() == list(generated.PROVIDERS.values())


@pytest.mark.parametrize("provider_id", list(generated.PROVIDERS))
def test_get_provider_returns_each_descriptor(provider_id: str) -> None:
    descriptor = runtime.get_provider(provider_id)
    assert descriptor is generated.PROVIDERS[provider_id]
    assert descriptor.id == provider_id


def test_unknown_provider_error_names_the_id_and_the_known_ones() -> None:
    with pytest.raises(UnknownProviderError) as caught:
        runtime.get_provider("acme-ai")
    message = str(caught.value)
    assert "'acme-ai'" in message
    assert "kimi" in message and "openai" in message
    assert caught.value.kind == "config"


@pytest.mark.parametrize(
    ("model_id", "provider_id", "model"),
    [
        ("kimi::kimi-k2-0905-preview", "kimi", "kimi-k2-0905-preview"),
        ("openrouter::meta-llama/llama-4-scout", "openrouter", "meta-llama/llama-4-scout"),
        ("openrouter::deepseek/deepseek-r1:free", "openrouter", "deepseek/deepseek-r1:free"),
        ("ollama::llama3.2:3b", "ollama", "llama3.2:3b"),
        ("openai::gpt-4.1", "openai", "gpt-4.1"),
    ],
)
def test_parse_model_id(model_id: str, provider_id: str, model: str) -> None:
    ref = runtime.parse_model_id(model_id)
    assert (ref.provider_id, ref.model) == (provider_id, model)
    assert ref.descriptor is generated.PROVIDERS[provider_id]
    assert ref.id == model_id == str(ref)


def test_model_ref_is_frozen() -> None:
    ref = runtime.parse_model_id("kimi::kimi-k2.5")
    with pytest.raises(AttributeError):
        ref.model = "other"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("model_id", "reason"),
    [
        ("kimi", "expected '<provider>::<model>'"),
        ("kimi:kimi-k2.5", "expected '<provider>::<model>'"),
        ("", "expected '<provider>::<model>'"),
        ("::kimi-k2.5", "provider part"),
        ("kimi::", "model part after '::' is empty"),
        ("openrouter::a::b", "may not contain '::'"),
        (" kimi::kimi-k2.5", "whitespace"),
        ("kimi::kimi k2", "whitespace"),
    ],
)
def test_malformed_model_ids_are_refused_with_the_input_named(model_id: str, reason: str) -> None:
    with pytest.raises(InvalidModelIdError) as caught:
        runtime.parse_model_id(model_id)
    assert repr(model_id) in str(caught.value)
    assert reason in str(caught.value)
    assert caught.value.kind == "config"


def test_a_long_input_is_echoed_cut_short() -> None:
    with pytest.raises(InvalidModelIdError) as caught:
        runtime.parse_model_id("x" * 5000)
    assert len(str(caught.value)) < 300


def test_unknown_provider_in_a_model_id() -> None:
    with pytest.raises(UnknownProviderError, match="'nope'"):
        runtime.parse_model_id("nope::some-model")


def test_every_registry_default_model_round_trips_through_the_grammar() -> None:
    for descriptor in runtime.providers():
        for model in descriptor.default_models:
            ref = runtime.parse_model_id(f"{descriptor.id}::{model.id}")
            assert (ref.provider_id, ref.model) == (descriptor.id, model.id)


def test_provider_label() -> None:
    assert runtime.provider_label("openrouter::meta-llama/llama-4-scout") == "meta-llama"
    assert runtime.provider_label("openrouter::anthropic/claude-sonnet-4.5") == "anthropic"
    # No vendor part: the provider itself.
    assert runtime.provider_label("openrouter::auto") == "openrouter"
    # Only aggregators read a vendor out of the model id.
    assert runtime.provider_label("together::meta-llama/Llama-3.3-70B-Instruct-Turbo") == "together"
    assert runtime.provider_label("kimi::kimi-k2.5") == "kimi"
    with pytest.raises(InvalidModelIdError):
        runtime.provider_label("openrouter")
