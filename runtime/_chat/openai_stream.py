"""OpenAI chat-completions chunks → typed events (pure: no I/O).

The payloads are the ``ChatCompletionChunk`` objects the openai SDK decodes (it reads the
``data: [DONE]`` sentinel and the error events itself). A chunk's ``choices[].delta`` carries
text, tool-call pieces (``tool_calls[].index`` says which call) and, on servers that show
reasoning, ``reasoning_content`` or ``reasoning`` (extra fields the SDK keeps in
``model_extra``); ``finish_reason`` ends the reply; a last chunk with no choices carries
``usage`` when ``stream_options.include_usage`` asked for it. A refusal comes as
``delta.refusal`` pieces in a reply that finishes ``stop``: as in the other wire formats, its
text is the reply's text and the reply finishes with ``content_filter`` (raw reason
``refusal``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from llm_registry.runtime._chat.events import (
    Finish,
    FinishReason,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    Usage,
)
from llm_registry.runtime._chat.wire_format import SHAPE_ERRORS, IncompleteStream, MalformedPayload

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletionChunk

__all__ = ["OpenAITranslator"]

_FINISH_REASONS: dict[str, FinishReason] = {
    "stop": "stop",
    "length": "length",
    "tool_calls": "tool_calls",
    "function_call": "tool_calls",
    "content_filter": "content_filter",
}


class OpenAITranslator:
    """The state of one chat-completions reply: tool-call slots, usage, the finish reason."""

    __slots__ = ("_finish_reason", "_refused", "_tool_slots", "_usage")

    def __init__(self) -> None:
        self._finish_reason: str | None = None
        self._refused = False
        self._usage: Usage | None = None
        self._tool_slots = _ToolCallSlots()

    #: Never before the end: the usage chunk comes after the finish, and the SDK reads to the
    #: [DONE] sentinel.
    done = False

    def feed(self, chunk: ChatCompletionChunk) -> list[StreamEvent]:
        # Once per chunk of the reply: the common chunk (one choice, text only) takes a test
        # per field and one event; reasoning and tool calls are handled apart.
        events: list[StreamEvent] = []
        try:
            usage = chunk.usage
            if usage is not None:
                self._count(usage)
            for choice in chunk.choices:
                delta = choice.delta
                if delta is not None:
                    if delta.model_extra:
                        self._reasoning(delta.model_extra, events)
                    content = delta.content
                    if content:
                        events.append(TextDelta(content))
                    if delta.tool_calls:
                        self._tool_calls(delta.tool_calls, events)
                    refusal = delta.refusal
                    if refusal:
                        self._refused = True
                        events.append(TextDelta(refusal))
                finish_reason = choice.finish_reason
                if finish_reason:
                    self._finish_reason = finish_reason
        except SHAPE_ERRORS as error:
            raise MalformedPayload(error) from None
        return events

    def finish(self) -> list[StreamEvent]:
        raw = self._finish_reason
        if raw is None:
            raise IncompleteStream
        if self._refused:
            finish = Finish(reason="content_filter", raw_reason="refusal")
        else:
            finish = Finish(reason=_FINISH_REASONS.get(raw, "other"), raw_reason=raw)
        return [finish] if self._usage is None else [self._usage, finish]

    def _count(self, reported: Any) -> None:
        details = getattr(reported, "completion_tokens_details", None)
        prompt_details = getattr(reported, "prompt_tokens_details", None)
        self._usage = Usage(
            input_tokens=reported.prompt_tokens,
            output_tokens=reported.completion_tokens,
            reasoning_tokens=getattr(details, "reasoning_tokens", None),
            cache_read_tokens=getattr(prompt_details, "cached_tokens", None),
        )

    @staticmethod
    def _reasoning(extra: dict[str, Any], events: list[StreamEvent]) -> None:
        # DeepSeek, Kimi, vLLM say reasoning_content; OpenRouter and Ollama say reasoning.
        thought = extra.get("reasoning_content") or extra.get("reasoning")
        if isinstance(thought, str) and thought:
            events.append(ReasoningDelta(thought))

    def _tool_calls(self, calls: Any, events: list[StreamEvent]) -> None:
        for call in calls:
            function = call.function
            events.append(
                ToolCallDelta(
                    index=self._tool_slots.index_of(call.index, call.id),
                    id=call.id,
                    name=function.name if function is not None else None,
                    arguments=(function.arguments or "") if function is not None else "",
                )
            )


class _ToolCallSlots:
    """Which call each tool-call delta belongs to.

    OpenAI numbers the calls of a reply with ``index``. Some compatible servers send no index;
    then a delta with an id not seen before starts a new call, and one without an id continues
    the last call (rather than all of them merging into call 0).
    """

    __slots__ = ("_by_id", "_last", "_next")

    def __init__(self) -> None:
        self._by_id: dict[str, int] = {}
        self._last: int | None = None
        self._next = 0

    def index_of(self, given: object, call_id: object) -> int:
        known_id = call_id if isinstance(call_id, str) and call_id else None
        if isinstance(given, int) and not isinstance(given, bool) and given >= 0:
            index = given
        elif known_id is not None:
            index = self._by_id.get(known_id, self._next)
        else:
            index = self._next if self._last is None else self._last
        if known_id is not None:
            self._by_id.setdefault(known_id, index)
        self._last = index
        self._next = max(self._next, index + 1)
        return index
