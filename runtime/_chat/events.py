"""The typed events a reply stream yields, and what they add up to.

A stream is an async iterator of :data:`StreamEvent`: any number of :class:`TextDelta`,
:class:`ReasoningDelta` and :class:`ToolCallDelta`, at most one :class:`Usage` (it may come
before or after the finish), and exactly one :class:`Finish` when the reply completed. A stream
that cannot complete raises a :class:`~runtime.ProviderError` instead of finishing.
"""

from __future__ import annotations

from collections.abc import AsyncIterable
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

__all__ = [
    "ChatResult",
    "Finish",
    "FinishReason",
    "ReasoningDelta",
    "StreamEvent",
    "TextDelta",
    "ToolCall",
    "ToolCallDelta",
    "Usage",
    "collect",
]

FinishReason: TypeAlias = Literal["stop", "length", "tool_calls", "content_filter", "other"]


@dataclass(frozen=True, slots=True)
class TextDelta:
    """The next piece of the reply's text."""

    text: str


@dataclass(frozen=True, slots=True)
class ReasoningDelta:
    """The next piece of the model's visible reasoning ("thinking"), for models that show it."""

    text: str


@dataclass(frozen=True, slots=True)
class ToolCallDelta:
    """A piece of a tool call. ``index`` says which call (calls may interleave); ``id`` and
    ``name`` arrive once, on a call's first delta; ``arguments`` are JSON text to concatenate."""

    index: int
    id: str | None = None
    name: str | None = None
    arguments: str = ""


@dataclass(frozen=True, slots=True)
class Usage:
    """Token counts the provider reported for the request; None where it said nothing.

    ``input_tokens`` counts the whole prompt, cached parts included, in every wire format;
    ``cache_read_tokens`` and ``cache_write_tokens`` are the parts of it read from and written
    to the provider's prompt cache (``cache_write_1h_tokens``: those written with a one-hour
    lifetime, a part of ``cache_write_tokens``). ``output_tokens`` counts the whole completion,
    reasoning included; ``reasoning_tokens`` is the reasoning part of it. See
    :func:`~llm_registry.runtime.estimate_cost` for what they cost.
    """

    input_tokens: int | None = None
    output_tokens: int | None = None
    reasoning_tokens: int | None = None
    cache_read_tokens: int | None = None
    cache_write_tokens: int | None = None
    cache_write_1h_tokens: int | None = None


@dataclass(frozen=True, slots=True)
class Finish:
    """The reply is complete. ``reason`` is normalised; ``raw_reason`` is what the provider sent."""

    reason: FinishReason
    raw_reason: str | None = None


StreamEvent: TypeAlias = TextDelta | ReasoningDelta | ToolCallDelta | Usage | Finish


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A complete tool call the model asked for; ``arguments`` is JSON text."""

    id: str
    name: str
    arguments: str


@dataclass(frozen=True, slots=True)
class ChatResult:
    """A whole reply: what a stream adds up to."""

    text: str
    tool_calls: tuple[ToolCall, ...] = ()
    usage: Usage | None = None
    finish_reason: FinishReason | None = None
    reasoning: str = ""


@dataclass(slots=True)
class _PendingToolCall:
    id: str | None = None
    name: str | None = None
    arguments: list[str] = field(default_factory=list)


class ReplyAccumulator:
    """Adds stream events up into a :class:`ChatResult`."""

    __slots__ = ("_calls", "_reasoning", "_text", "finish_reason", "usage")

    def __init__(self) -> None:
        self._text: list[str] = []
        self._reasoning: list[str] = []
        self._calls: dict[int, _PendingToolCall] = {}
        self.usage: Usage | None = None
        self.finish_reason: FinishReason | None = None

    def add(self, event: StreamEvent) -> None:
        if isinstance(event, TextDelta):
            self._text.append(event.text)
        elif isinstance(event, ReasoningDelta):
            self._reasoning.append(event.text)
        elif isinstance(event, ToolCallDelta):
            pending = self._calls.setdefault(event.index, _PendingToolCall())
            if event.id:
                pending.id = event.id
            if event.name:
                pending.name = event.name
            if event.arguments:
                pending.arguments.append(event.arguments)
        elif isinstance(event, Usage):
            self.usage = event
        else:
            self.finish_reason = event.reason

    @property
    def text(self) -> str:
        return "".join(self._text)

    def tool_calls(self) -> tuple[ToolCall, ...]:
        return tuple(
            ToolCall(
                id=pending.id or f"call_{index}",
                name=pending.name or "",
                arguments="".join(pending.arguments),
            )
            for index, pending in sorted(self._calls.items())
        )

    def result(self) -> ChatResult:
        return ChatResult(
            text=self.text,
            tool_calls=self.tool_calls(),
            usage=self.usage,
            finish_reason=self.finish_reason,
            reasoning="".join(self._reasoning),
        )


async def collect(stream: AsyncIterable[StreamEvent]) -> ChatResult:
    """Read a whole stream and return what it added up to."""
    accumulator = ReplyAccumulator()
    async for event in stream:
        accumulator.add(event)
    return accumulator.result()
