"""The typed events a reply stream yields, and what they add up to.

A stream is an async iterator of :data:`StreamEvent`: any number of :class:`TextDelta`,
:class:`ReasoningDelta`, :class:`ReasoningState` and :class:`ToolCallDelta`, at most one
:class:`Usage` (it may come before or after the finish), and exactly one :class:`Finish` when
the reply completed. A stream that cannot complete raises a :class:`~runtime.ProviderError`
instead of finishing.

:class:`ReasoningState` is what a provider wants back, unchanged, with the assistant turn in the
next request (Anthropic's signed ``thinking`` and ``redacted_thinking`` blocks, Gemini's
``thoughtSignature``). :class:`ReplyAccumulator` files it on the reply (or on the tool call it
belongs to), :meth:`ChatResult.assistant_message` carries it into the conversation, and the
provider that minted it replays it; any other provider leaves it out.
"""

from __future__ import annotations

from collections.abc import AsyncIterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

if TYPE_CHECKING:
    from llm_registry.runtime._chat.messages import AssistantMessage

__all__ = [
    "ChatResult",
    "Finish",
    "FinishReason",
    "ReasoningDelta",
    "ReasoningState",
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
class ReasoningState:
    """Opaque reasoning state the provider wants back with this reply, byte for byte.

    ``payload`` is the JSON text of an object in the minting wire format (an Anthropic
    ``thinking`` / ``redacted_thinking`` block; ``{"thoughtSignature": ...}`` for the Gemini part
    it came on); ``wire_format`` and ``provider`` say who minted it, and only a request in that
    wire format to that provider sends it back (switching providers drops it: another provider
    could neither verify nor read it). ``tool_call`` is the index of the reply's tool call it
    belongs to, if any. Store it as it is; never edit it (a provider checks the signature).
    """

    wire_format: str
    provider: str
    payload: str
    tool_call: int | None = None
    #: How many of the reply's tool calls came before it (set when the reply is assembled), so
    #: that blocks interleaved with tool calls go back in their place.
    position: int = 0

    def data(self) -> dict[str, Any]:
        """The payload as a JSON object."""
        import json

        value = json.loads(self.payload)
        return value if isinstance(value, dict) else {}

    def minted_by(self, wire_format: str, provider: str) -> bool:
        return self.wire_format == wire_format and self.provider == provider


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
    """The reply is complete. ``reason`` is normalised; ``raw_reason`` is what the provider sent.

    ``content_filter``: the provider withheld the reply or the model refused it (Anthropic's
    ``refusal`` stop reason, a chat-completions ``delta.refusal``, a Responses ``refusal``
    part, Gemini's ``SAFETY`` and kin); what text the model gave, its refusal included, is the
    reply's text."""

    reason: FinishReason
    raw_reason: str | None = None


StreamEvent: TypeAlias = (
    TextDelta | ReasoningDelta | ReasoningState | ToolCallDelta | Usage | Finish
)


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A complete tool call the model asked for; ``arguments`` is JSON text.

    ``reasoning_state`` is the provider's opaque state for this call (Gemini's
    ``thoughtSignature`` on a ``functionCall`` part), sent back with it (see
    :class:`ReasoningState`).
    """

    id: str
    name: str
    arguments: str
    reasoning_state: ReasoningState | None = None


@dataclass(frozen=True, slots=True)
class ChatResult:
    """A whole reply: what a stream adds up to."""

    text: str
    tool_calls: tuple[ToolCall, ...] = ()
    usage: Usage | None = None
    finish_reason: FinishReason | None = None
    reasoning: str = ""
    #: The provider's opaque state for the whole reply (see :class:`ReasoningState`).
    reasoning_state: tuple[ReasoningState, ...] = ()

    def assistant_message(self) -> AssistantMessage:
        """The reply as the next turn of the conversation, with its reasoning state (which the
        same provider needs back, e.g. in a tool loop)."""
        from llm_registry.runtime._chat.messages import AssistantMessage

        return AssistantMessage(
            text=self.text, tool_calls=self.tool_calls, reasoning_state=self.reasoning_state
        )


@dataclass(slots=True)
class _PendingToolCall:
    id: str | None = None
    name: str | None = None
    arguments: list[str] = field(default_factory=list)
    state: ReasoningState | None = None


class ReplyAccumulator:
    """Adds stream events up into a :class:`ChatResult`."""

    __slots__ = ("_calls", "_reasoning", "_states", "_text", "finish_reason", "usage")

    def __init__(self) -> None:
        self._text: list[str] = []
        self._reasoning: list[str] = []
        self._states: list[ReasoningState] = []
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
        elif isinstance(event, ReasoningState):
            self._add_state(event)
        else:
            self.finish_reason = event.reason

    def _add_state(self, state: ReasoningState) -> None:
        if state.tool_call is not None:
            self._calls.setdefault(state.tool_call, _PendingToolCall()).state = state
        else:
            self._states.append(replace(state, position=len(self._calls)))

    @property
    def text(self) -> str:
        return "".join(self._text)

    def tool_calls(self) -> tuple[ToolCall, ...]:
        return tuple(
            ToolCall(
                id=pending.id or f"call_{index}",
                name=pending.name or "",
                arguments="".join(pending.arguments),
                reasoning_state=pending.state,
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
            reasoning_state=tuple(self._states),
        )


async def collect(stream: AsyncIterable[StreamEvent]) -> ChatResult:
    """Read a whole stream and return what it added up to."""
    accumulator = ReplyAccumulator()
    async for event in stream:
        accumulator.add(event)
    return accumulator.result()
