"""Anthropic Messages stream events → typed events (pure: no I/O).

The stream is ``message_start`` (input tokens), then per content block ``content_block_start`` /
``content_block_delta``* / ``content_block_stop``, then ``message_delta`` (stop reason, output
tokens) and ``message_stop``, after which nothing more is read. ``ping`` keeps the connection
alive; ``error`` reports a failure mid-stream. Each payload is one event's decoded ``data``,
whose ``type`` repeats the event's name.

A ``thinking`` block streams its text (``thinking_delta``) and then its ``signature``
(``signature_delta``); a ``redacted_thinking`` block arrives whole, its encrypted ``data`` in
``content_block_start``. Both must go back unchanged in the assistant turn of the next request
(before its ``tool_result``), so each becomes a :class:`ReasoningState` when its block stops.
"""

from __future__ import annotations

import json
from typing import Any

from llm_registry.runtime._chat.events import (
    Finish,
    FinishReason,
    ReasoningDelta,
    ReasoningState,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    Usage,
)
from llm_registry.runtime._chat.wire_format import (
    SHAPE_ERRORS,
    IncompleteStream,
    MalformedPayload,
    ServerReportedError,
)

__all__ = ["AnthropicTranslator"]

_STOP_REASONS: dict[str, FinishReason] = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}

# content_block_delta: the delta type → the field holding its text.
_DELTA_TEXT = {"text_delta": "text", "thinking_delta": "thinking"}

WIRE_FORMAT = "anthropic"


class _ThinkingBlock:
    """A thinking block being streamed: its text and signature, in pieces."""

    __slots__ = ("signature", "thinking")

    def __init__(self, block: dict[str, Any]) -> None:
        self.thinking: list[str] = [str(block.get("thinking") or "")]
        self.signature: list[str] = [str(block.get("signature") or "")]


class AnthropicTranslator:
    """The state of one Messages reply: which content blocks are tool calls, the token counts
    and the stop reason."""

    __slots__ = (
        "_cache_counts",
        "_input_tokens",
        "_output_tokens",
        "_provider",
        "_stop_reason",
        "_thinking_by_block",
        "_tool_by_block",
        "done",
    )

    def __init__(self, provider: str = "") -> None:
        self._provider = provider  # who mints the reasoning state (see ReasoningState)
        self._thinking_by_block: dict[int, _ThinkingBlock] = {}
        self._tool_by_block: dict[int, int] = {}  # content block index → tool call index
        self._input_tokens: int | None = None
        self._output_tokens: int | None = None
        self._cache_counts: dict[str, int] = {}  # Usage field → the last count reported
        self._stop_reason: str | None = None
        self.done = False

    def feed(self, payload: object) -> list[StreamEvent]:
        if not isinstance(payload, dict):
            return []
        kind = payload.get("type")
        if kind == "error":
            raise ServerReportedError(payload)
        try:
            if kind == "content_block_delta":
                return self._delta(payload)
            if kind == "content_block_start":
                return self._block_start(payload)
            if kind == "content_block_stop":
                return self._block_stop(payload)
            if kind == "message_start":
                self._count(payload["message"].get("usage") or {})
            elif kind == "message_delta":
                delta = payload.get("delta") or {}
                self._stop_reason = delta.get("stop_reason") or self._stop_reason
                self._count(payload.get("usage") or {})
            elif kind == "message_stop":
                self.done = True
        except SHAPE_ERRORS as error:
            raise MalformedPayload(error) from None
        return []

    def finish(self) -> list[StreamEvent]:
        if not self.done:
            raise IncompleteStream
        events: list[StreamEvent] = []
        if self._input_tokens is not None or self._output_tokens is not None:
            events.append(
                Usage(
                    input_tokens=self._input_tokens,
                    output_tokens=self._output_tokens,
                    **self._cache_counts,
                )
            )
        reason = self._stop_reason
        events.append(Finish(reason=_STOP_REASONS.get(reason or "", "other"), raw_reason=reason))
        return events

    def _delta(self, payload: dict[str, Any]) -> list[StreamEvent]:
        delta = payload["delta"]
        delta_type = delta.get("type")
        if delta_type == "input_json_delta":
            index = self._tool_by_block.get(payload.get("index", 0))
            partial = delta.get("partial_json")
            if index is None or not partial:
                return []
            return [ToolCallDelta(index=index, arguments=partial)]
        thinking = self._thinking_by_block.get(payload.get("index", 0))
        if delta_type == "signature_delta" and thinking is not None:
            thinking.signature.append(str(delta.get("signature") or ""))
            return []
        field = _DELTA_TEXT.get(delta_type)
        text = delta.get(field) if field is not None else None
        if not text:
            return []
        if field == "text":
            return [TextDelta(text)]
        if thinking is not None:
            thinking.thinking.append(text)
        return [ReasoningDelta(text)]

    def _block_start(self, payload: dict[str, Any]) -> list[StreamEvent]:
        block = payload["content_block"]
        block_type = block.get("type")
        if block_type == "tool_use":
            index = len(self._tool_by_block)
            self._tool_by_block[payload.get("index", index)] = index
            return [ToolCallDelta(index=index, id=block.get("id"), name=block.get("name"))]
        if block_type == "text" and block.get("text"):
            return [TextDelta(block["text"])]
        if block_type == "thinking":
            self._thinking_by_block[payload.get("index", 0)] = _ThinkingBlock(block)
            text = block.get("thinking")
            return [ReasoningDelta(text)] if text else []
        if block_type == "redacted_thinking":
            return [self._state(block)]  # whole, and opaque: sent back as it came
        return []

    def _block_stop(self, payload: dict[str, Any]) -> list[StreamEvent]:
        thinking = self._thinking_by_block.pop(payload.get("index", 0), None)
        if thinking is None:
            return []
        block = {
            "type": "thinking",
            "thinking": "".join(thinking.thinking),
            "signature": "".join(thinking.signature),
        }
        return [self._state(block)]

    def _state(self, block: dict[str, Any]) -> ReasoningState:
        return ReasoningState(
            wire_format=WIRE_FORMAT, provider=self._provider, payload=json.dumps(block)
        )

    def _count(self, usage: dict[str, Any]) -> None:
        self._output_tokens = usage.get("output_tokens", self._output_tokens)
        total = _total_input_tokens(usage)
        if total is not None:
            self._input_tokens = total
        for field, count in _cache_counts(usage):
            self._cache_counts[field] = count


def _cache_counts(usage: dict[str, Any]) -> list[tuple[str, int]]:
    """(Usage field, count) for the prompt-cache counts a usage object reports."""
    lifetimes = usage.get("cache_creation")
    one_hour = lifetimes.get("ephemeral_1h_input_tokens") if isinstance(lifetimes, dict) else None
    counts = (
        ("cache_read_tokens", usage.get("cache_read_input_tokens")),
        ("cache_write_tokens", usage.get("cache_creation_input_tokens")),
        ("cache_write_1h_tokens", one_hour),
    )
    return [(field, count) for field, count in counts if type(count) is int]


def _total_input_tokens(usage: dict[str, Any]) -> int | None:
    """Prompt tokens, counting those read from or written to the prompt cache."""
    parts = [
        usage.get(key)
        for key in ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
    ]
    counted = [part for part in parts if isinstance(part, int)]
    return sum(counted) if counted else None
