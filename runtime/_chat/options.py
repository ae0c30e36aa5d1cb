"""A request's options besides the model and the conversation: the keywords of
:meth:`ChatProvider.stream <llm_registry.runtime._chat.base.ChatProvider.stream>` and
:meth:`~llm_registry.runtime._chat.base.ChatProvider.chat`, and the frozen value they make.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypedDict

from llm_registry.runtime._chat.messages import ToolSpec

__all__ = ["ChatOptionArgs", "ChatOptions"]


class ChatOptionArgs(TypedDict, total=False):
    """The options of :meth:`ChatProvider.stream` and :meth:`ChatProvider.chat`, as keywords."""

    system: str | None
    tools: Sequence[ToolSpec]
    max_output_tokens: int | None
    temperature: float | None
    reasoning: bool | None
    reasoning_effort: str | None
    reasoning_budget: int | None


@dataclass(frozen=True, slots=True)
class ChatOptions:
    """Everything about a request besides the model and the conversation (the fields of
    :class:`ChatOptionArgs`)."""

    system: str | None = None
    tools: tuple[ToolSpec, ...] = ()
    max_output_tokens: int | None = None
    temperature: float | None = None
    #: Switch the model's reasoning on (True) or off (False); None: the model's default. An
    #: effort or a budget implies on.
    reasoning: bool | None = None
    reasoning_effort: str | None = None
    reasoning_budget: int | None = None

    @classmethod
    def of(cls, options: ChatOptionArgs) -> ChatOptions:
        """The options given as keywords; an unknown keyword is a TypeError, as in a call."""
        given: dict[str, Any] = dict(options)
        given["tools"] = tuple(given.get("tools", ()))
        return cls(**given)
