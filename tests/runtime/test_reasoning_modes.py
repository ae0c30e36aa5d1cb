"""Reasoning switched on and off, by effort or by budget: the exact request fields per wire
format, and the requests a model cannot honour refused before anything is sent."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import pytest

from llm_registry import runtime
from llm_registry.curated.descriptor import Model, Reasoning
from llm_registry.runtime import BadRequestError, UserMessage
from tests.loopback import LoopbackServer, Recorded
from tests.runtime.conftest import TEST_KEY, make_descriptor


def _model(model_id: str, **reasoning: Any) -> Model:
    return Model(
        id=model_id,
        display_name=model_id,
        context_window=200000,
        max_output_tokens=8192,
        attachments=["text"],
        reasoning=Reasoning(**reasoning),
    )


MODELS = [
    _model("toggle-model", mode="toggle"),
    _model("always-model", mode="always"),
    _model("effort-off", mode="effort", efforts=["low", "high"], can_disable=True),
    _model("effort-fixed", mode="effort", efforts=["low", "high"]),
    _model("budget-off", mode="budget_tokens", min_budget_tokens=2048, can_disable=True),
    _model("budget-fixed", mode="budget_tokens", min_budget_tokens=2048),
    Model(id="plain", display_name="Plain", context_window=8192, max_output_tokens=1024,
          attachments=["text"]),
]  # fmt: skip


def _openai_models(sent_as: str) -> list[Model]:
    """The same models, each described as taking its setting ``sent_as``."""
    modes = {
        "reasoning_effort": ("effort",),
        "reasoning": ("effort", "budget_tokens", "toggle"),
        "thinking": ("budget_tokens", "toggle"),
        "enable_thinking": ("budget_tokens", "toggle"),
        "chat_template_kwargs": ("toggle",),
    }[sent_as]
    return [
        _model(
            model.id,
            mode=model.reasoning.mode,
            efforts=model.reasoning.efforts,
            min_budget_tokens=model.reasoning.min_budget_tokens,
            can_disable=model.reasoning.can_disable,
            sent_as=sent_as,
        )
        for model in MODELS
        if model.reasoning is not None and model.reasoning.mode in modes
    ]


def _send(
    server: LoopbackServer, wire_format: str, model: str, models: list[Model], **options: Any
) -> Recorded:
    provider = runtime.create_provider(
        make_descriptor(wire_format, default_models=models),
        api_key=TEST_KEY,
        base_url=server.base_url("ok", wire_format),  # type: ignore[arg-type]
        timeout=10,
    )
    asyncio.run(runtime.collect(provider.stream(model, [UserMessage("Hi")], **options)))
    (recorded,) = server.requests
    return recorded


def _refused(
    server: LoopbackServer, wire_format: str, model: str, models: list[Model], **options: Any
) -> str:
    with pytest.raises(BadRequestError) as refused:
        _send(server, wire_format, model, models, **options)
    assert server.requests == []  # refused before anything was sent
    return str(refused.value)


# OpenAI-compatible: the fields sent_as names.

OPENAI_CASES = [
    ("reasoning_effort", "effort-off", {"reasoning_effort": "high"}, {"reasoning_effort": "high"}),
    ("reasoning_effort", "effort-off", {"reasoning": False}, {"reasoning_effort": "none"}),
    ("reasoning_effort", "effort-off", {"reasoning": True}, {}),
    ("reasoning", "effort-off", {"reasoning_effort": "low"}, {"reasoning": {"effort": "low"}}),
    ("reasoning", "budget-off", {"reasoning_budget": 4096}, {"reasoning": {"max_tokens": 4096}}),
    ("reasoning", "toggle-model", {"reasoning": True}, {"reasoning": {"enabled": True}}),
    ("reasoning", "toggle-model", {"reasoning": False}, {"reasoning": {"enabled": False}}),
    (
        "thinking",
        "budget-off",
        {"reasoning_budget": 4096},
        {"thinking": {"type": "enabled", "budget_tokens": 4096}},
    ),
    ("thinking", "toggle-model", {"reasoning": True}, {"thinking": {"type": "enabled"}}),
    ("thinking", "budget-off", {"reasoning": False}, {"thinking": {"type": "disabled"}}),
    ("enable_thinking", "toggle-model", {"reasoning": False}, {"enable_thinking": False}),
    (
        "enable_thinking",
        "budget-off",
        {"reasoning_budget": 4096},
        {"enable_thinking": True, "thinking_budget": 4096},
    ),
    (
        "chat_template_kwargs",
        "toggle-model",
        {"reasoning": False},
        {"chat_template_kwargs": {"enable_thinking": False}},
    ),
    (
        "chat_template_kwargs",
        "toggle-model",
        {"reasoning": True},
        {"chat_template_kwargs": {"enable_thinking": True}},
    ),
]

_REASONING_FIELDS = {
    "reasoning_effort",
    "reasoning",
    "thinking",
    "enable_thinking",
    "thinking_budget",
    "chat_template_kwargs",
}


@pytest.mark.parametrize(("sent_as", "model", "options", "fields"), OPENAI_CASES)
def test_openai_compatible_sends_the_fields_sent_as_names(
    llm_server: LoopbackServer,
    sent_as: str,
    model: str,
    options: dict[str, Any],
    fields: dict[str, Any],
) -> None:
    body = _send(llm_server, "openai", model, _openai_models(sent_as), **options).json
    assert {key: value for key, value in body.items() if key in _REASONING_FIELDS} == fields


def test_openai_compatible_without_sent_as_sends_only_an_effort(
    llm_server: LoopbackServer,
) -> None:
    body = _send(llm_server, "openai", "effort-off", MODELS, reasoning_effort="low").json
    assert body["reasoning_effort"] == "low"
    llm_server.clear()
    message = _refused(llm_server, "openai", "toggle-model", MODELS, reasoning=True)
    assert "switching reasoning on" in message and "sent_as" in message
    message = _refused(llm_server, "openai", "budget-off", MODELS, reasoning_budget=4096)
    assert "thinking budget (4096 tokens)" in message


def test_openai_compatible_shape_that_cannot_carry_the_setting_is_refused(
    llm_server: LoopbackServer,
) -> None:
    models = [
        _model("budget-model", mode="budget_tokens", sent_as="chat_template_kwargs"),
    ]
    message = _refused(llm_server, "openai", "budget-model", models, reasoning_budget=4096)
    assert "'chat_template_kwargs'" in message


# Anthropic and Gemini: their own fields.

ANTHROPIC_CASES = [
    ("toggle-model", {"reasoning": True}, {"type": "enabled", "budget_tokens": 1024}),
    ("toggle-model", {"reasoning": False}, {"type": "disabled"}),
    ("budget-off", {"reasoning": True}, {"type": "enabled", "budget_tokens": 2048}),
    ("budget-off", {"reasoning": False}, {"type": "disabled"}),
    ("budget-fixed", {"reasoning_budget": 3000}, {"type": "enabled", "budget_tokens": 3000}),
    ("effort-off", {"reasoning": True}, {"type": "adaptive"}),
    ("effort-off", {"reasoning": False}, {"type": "disabled"}),
]


@pytest.mark.parametrize(("model", "options", "thinking"), ANTHROPIC_CASES)
def test_anthropic_thinking_field(
    llm_server: LoopbackServer, model: str, options: dict[str, Any], thinking: dict[str, Any]
) -> None:
    body = _send(llm_server, "anthropic", model, MODELS, **options).json
    assert body["thinking"] == thinking
    assert body["max_tokens"] > thinking.get("budget_tokens", 0)
    assert "output_config" not in body


GEMINI_CASES = [
    ("toggle-model", {"reasoning": True}, {"thinkingBudget": -1, "includeThoughts": True}),
    ("toggle-model", {"reasoning": False}, {"thinkingBudget": 0}),
    ("budget-off", {"reasoning": False}, {"thinkingBudget": 0}),
    ("budget-off", {"reasoning_budget": 4096}, {"thinkingBudget": 4096, "includeThoughts": True}),
    ("effort-off", {"reasoning": True}, {"includeThoughts": True}),
    ("effort-off", {"reasoning_effort": "low"}, {"thinkingLevel": "low", "includeThoughts": True}),
]


@pytest.mark.parametrize(("model", "options", "config"), GEMINI_CASES)
def test_gemini_thinking_config(
    llm_server: LoopbackServer, model: str, options: dict[str, Any], config: dict[str, Any]
) -> None:
    body = _send(llm_server, "gemini", model, MODELS, **options).json
    assert body["generationConfig"]["thinkingConfig"] == config


@pytest.mark.parametrize("wire_format", ["openai", "anthropic", "gemini"])
def test_nothing_asked_sends_nothing(llm_server: LoopbackServer, wire_format: str) -> None:
    body = _send(llm_server, wire_format, "toggle-model", MODELS).json
    assert not _REASONING_FIELDS & set(body)
    assert "thinkingConfig" not in body.get("generationConfig", {})


# What no wire format can honour.


@pytest.mark.parametrize("wire_format", ["openai", "anthropic", "gemini"])
@pytest.mark.parametrize(
    ("model", "options", "says"),
    [
        ("effort-fixed", {"reasoning": False}, "cannot switch its reasoning off"),
        ("budget-fixed", {"reasoning": False}, "cannot switch its reasoning off"),
        ("always-model", {"reasoning": False}, "mode 'always'"),
        ("plain", {"reasoning": True}, "does not reason"),
        ("toggle-model", {"reasoning": False, "reasoning_effort": "low"}, "cannot go with"),
        ("unlisted-model", {"reasoning": False, "reasoning_budget": 2048}, "cannot go with"),
    ],
)
def test_a_setting_the_model_cannot_honour_is_refused_before_sending(
    llm_server: LoopbackServer, wire_format: str, model: str, options: dict[str, Any], says: str
) -> None:
    assert says in _refused(llm_server, wire_format, model, MODELS, **options)


def test_switching_an_always_reasoning_model_on_sends_nothing(llm_server: LoopbackServer) -> None:
    body = _send(llm_server, "anthropic", "always-model", MODELS, reasoning=True).json
    assert "thinking" not in body


def test_an_unlisted_model_gets_the_switch_as_asked(llm_server: LoopbackServer) -> None:
    body = _send(llm_server, "gemini", "custom-model", MODELS, reasoning=False).json
    assert body["generationConfig"]["thinkingConfig"] == {"thinkingBudget": 0}


# A package generated before can_disable, sent_as and a model's implementation existed.


@dataclass(frozen=True, kw_only=True)
class _OlderReasoning:
    mode: str
    efforts: list[str] | None = None
    min_budget_tokens: int | None = None


@dataclass(frozen=True, kw_only=True)
class _OlderModel:
    id: str
    display_name: str = "Older"
    context_window: int = 8192
    max_output_tokens: int = 1024
    attachments: tuple[str, ...] = ("text",)
    pricing: None = None
    tools: None = None
    reasoning: _OlderReasoning | None = None
    deprecated: None = None
    internal: None = None
    replaced_by: None = None


def test_a_package_generated_before_these_attributes_still_works(
    llm_server: LoopbackServer,
) -> None:
    older = [
        _OlderModel(id="budget", reasoning=_OlderReasoning(mode="budget_tokens")),
        _OlderModel(id="effort", reasoning=_OlderReasoning(mode="effort", efforts=["low"])),
    ]
    models: Any = older
    body = _send(llm_server, "openai", "effort", models, reasoning_effort="low").json
    assert body["reasoning_effort"] == "low"  # chat completions, as before
    llm_server.clear()
    # No can_disable: the model cannot switch off, as an older registry could not say it can.
    assert "cannot switch its reasoning off" in _refused(
        llm_server, "anthropic", "budget", models, reasoning=False
    )
