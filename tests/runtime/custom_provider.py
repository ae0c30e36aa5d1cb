"""Provider classes an application registers, and objects a registration must refuse."""

from __future__ import annotations

from typing import Any

from llm_registry.runtime import AnthropicProvider, BaseOpenAICompatibleProvider, ReasoningRequest


class BudgetAwareProvider(BaseOpenAICompatibleProvider):
    """A server that takes a thinking budget in its own field and wants no usage chunk."""

    include_usage = False

    def reasoning_params(self, reasoning: ReasoningRequest) -> dict[str, Any]:
        if reasoning.budget_tokens is not None:
            return {"thinking": {"budget": reasoning.budget_tokens}}
        return super().reasoning_params(reasoning)


class QuietAnthropicProvider(AnthropicProvider):
    """A provider class for another wire format: an OpenAI-compatible descriptor refuses it."""


class NotAProvider:
    pass


def not_a_class() -> None:
    """An entry point or mapping may name a function by mistake."""
