"""Gemini ``streamGenerateContent`` events → typed events (pure: no I/O).

Each event is a ``GenerateContentResponse`` (sometimes wrapped in a one-element list):
``candidates[0].content.parts`` carry the new text (``thought: true`` parts are reasoning) and
function calls (whole, never in pieces), ``finishReason`` ends the reply, ``usageMetadata``
counts tokens so far (the last one counts), ``promptFeedback.blockReason`` says the prompt was
refused; an ``{"error": …}`` event reports a failure mid-stream.

A part may carry a ``thoughtSignature`` (a sibling of its ``functionCall`` or ``text``): the
model's reasoning, encrypted, which must go back on the same part in the next request (Gemini 3
refuses a function call without it). Each becomes a :class:`ReasoningState`, tied to its tool
call when it came on one.
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

__all__ = ["WIRE_FORMAT", "GeminiTranslator"]

WIRE_FORMAT = "google"

_FINISH_REASONS: dict[str, FinishReason] = {
    "STOP": "stop",
    "MAX_TOKENS": "length",
    "SAFETY": "content_filter",
    "RECITATION": "content_filter",
    "BLOCKLIST": "content_filter",
    "PROHIBITED_CONTENT": "content_filter",
    "SPII": "content_filter",
    "IMAGE_SAFETY": "content_filter",
}


class GeminiTranslator:
    """The state of one Gemini reply: tool calls so far, the last usage, the finish reason."""

    __slots__ = ("_finish_reason", "_provider", "_tool_calls", "_usage")

    def __init__(self, provider: str = "") -> None:
        self._provider = provider  # who mints the reasoning state (see ReasoningState)
        self._finish_reason: str | None = None
        self._usage: Usage | None = None
        self._tool_calls = 0

    #: Never before the end: a finishReason may still be followed by a last usage event.
    done = False

    def feed(self, payload: object) -> list[StreamEvent]:
        if isinstance(payload, list) and payload:
            payload = payload[0]
        if not isinstance(payload, dict):
            return []
        if "error" in payload:
            raise ServerReportedError(payload)
        try:
            self._count(payload.get("usageMetadata"))
            candidates = payload.get("candidates") or []
            if not candidates:
                if (payload.get("promptFeedback") or {}).get("blockReason"):
                    self._finish_reason = "SAFETY"
                return []
            candidate = candidates[0]
            events = self._parts((candidate.get("content") or {}).get("parts") or [])
            self._finish_reason = candidate.get("finishReason") or self._finish_reason
        except SHAPE_ERRORS as error:
            raise MalformedPayload(error) from None
        return events

    def finish(self) -> list[StreamEvent]:
        raw = self._finish_reason
        if raw is None:
            raise IncompleteStream
        reason: FinishReason = _FINISH_REASONS.get(raw, "other")
        if reason == "stop" and self._tool_calls:
            reason = "tool_calls"
        finish = Finish(reason=reason, raw_reason=raw)
        return [finish] if self._usage is None else [self._usage, finish]

    def _parts(self, parts: list[dict[str, Any]]) -> list[StreamEvent]:
        events: list[StreamEvent] = []
        for part in parts:
            text = part.get("text")
            if text:
                events.append(ReasoningDelta(text) if part.get("thought") else TextDelta(text))
            call = part.get("functionCall")
            index: int | None = None
            if call:
                index = self._tool_calls
                events.append(
                    ToolCallDelta(
                        index=index,
                        id=call.get("id") or f"call_{index}",
                        name=call.get("name"),
                        arguments=json.dumps(call.get("args") or {}),
                    )
                )
                self._tool_calls += 1
            signature = part.get("thoughtSignature")
            if isinstance(signature, str) and signature:
                events.append(self._state(signature, index))
        return events

    def _state(self, signature: str, tool_call: int | None) -> ReasoningState:
        return ReasoningState(
            wire_format=WIRE_FORMAT,
            provider=self._provider,
            payload=json.dumps({"thoughtSignature": signature}),
            tool_call=tool_call,
        )

    def _count(self, metadata: dict[str, Any] | None) -> None:
        if not metadata:
            return
        thoughts = metadata.get("thoughtsTokenCount")
        self._usage = Usage(
            input_tokens=metadata.get("promptTokenCount"),
            output_tokens=_sum(metadata.get("candidatesTokenCount"), thoughts),
            reasoning_tokens=thoughts,
            cache_read_tokens=metadata.get("cachedContentTokenCount"),
        )


def _sum(*counts: object) -> int | None:
    numbers = [count for count in counts if isinstance(count, int)]
    return sum(numbers) if numbers else None
