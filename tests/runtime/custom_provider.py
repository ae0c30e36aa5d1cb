"""A provider subclass a descriptor can name in ``provider_class``."""

from __future__ import annotations

from typing import Any

from llm_registry.runtime import BaseOpenAICompatibleProvider, ReasoningRequest


class BudgetAwareProvider(BaseOpenAICompatibleProvider):
    """A server that takes a thinking budget in its own field and wants no usage chunk."""

    include_usage = False

    def reasoning_params(self, reasoning: ReasoningRequest) -> dict[str, Any]:
        if reasoning.budget_tokens is not None:
            return {"thinking": {"budget": reasoning.budget_tokens}}
        return super().reasoning_params(reasoning)


class NotAProvider:
    pass
