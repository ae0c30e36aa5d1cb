"""OpenAI Responses API stream events → typed events (pure: no I/O).

The payloads are the event objects the openai SDK decodes from ``responses.create(stream=True)``
(any object with ``to_dict()``, or plain dicts). Each names its ``type``: an output item is
announced (``response.output_item.added``: a ``function_call`` brings its ``call_id`` and
``name``), filled (``response.output_text.delta``, ``response.function_call_arguments.delta``,
``response.reasoning_summary_text.delta``, ``response.reasoning_text.delta``) and closed
(``response.output_item.done``: a ``reasoning`` item whole, with its ``encrypted_content``). The
reply ends with ``response.completed``, ``response.incomplete`` (``incomplete_details.reason``)
or ``response.failed`` (``response.error``), each carrying the whole response and its
``usage``; there is no ``[DONE]``. An ``error`` event reports a failure mid-stream.

A ``reasoning`` item must go back unchanged in the next request's input (with ``store: false``
its ``encrypted_content`` is the model's whole reasoning state), so each becomes a
:class:`ReasoningState`.

A refusal is a ``refusal`` content part of a message (``response.refusal.delta`` pieces, then
``response.refusal.done`` with the whole text) in a response that still ``completed``. As in
the other wire formats (Anthropic's ``stop_reason: refusal``, Gemini's ``SAFETY``), its text is
the reply's text and the reply finishes with ``content_filter`` (raw reason ``refusal``); a
refusal sent whole, with no deltas, is still the reply's text.
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

__all__ = ["WIRE_FORMAT", "ResponsesTranslator"]

WIRE_FORMAT = "openai_responses"

_INCOMPLETE_REASONS: dict[str, FinishReason] = {
    "max_output_tokens": "length",
    "content_filter": "content_filter",
}

# Delta events whose text is the reply's visible reasoning.
_REFUSALS = frozenset({"response.refusal.delta", "response.refusal.done"})
_REASONING_DELTAS = frozenset(
    {"response.reasoning_summary_text.delta", "response.reasoning_text.delta"}
)
_ENDINGS = frozenset({"response.completed", "response.incomplete"})


class ResponsesTranslator:
    """The state of one Responses reply: which output items are tool calls, the usage and how
    the reply ended."""

    __slots__ = (
        "_calls",
        "_ending",
        "_provider",
        "_refusals",
        "_streamed_arguments",
        "_usage",
        "done",
    )

    def __init__(self, provider: str = "") -> None:
        self._provider = provider  # who mints the reasoning state (see ReasoningState)
        self._calls: dict[str, int] = {}  # output item id (or output index) → tool call index
        self._streamed_arguments: set[int] = set()
        # The refusal content parts whose text has been given, by (item, content index).
        self._refusals: set[tuple[str, object]] = set()
        self._usage: Usage | None = None
        self._ending: tuple[FinishReason, str] | None = None
        self.done = False

    def feed(self, payload: object) -> list[StreamEvent]:
        event = _as_dict(payload)
        if event is None:
            return []
        kind = event.get("type")
        try:
            if kind == "response.output_text.delta":
                return [TextDelta(event["delta"])] if event.get("delta") else []
            if kind in _REFUSALS:
                return self._refusal(event, kind == "response.refusal.delta")
            if kind in _REASONING_DELTAS:
                return [ReasoningDelta(event["delta"])] if event.get("delta") else []
            if kind == "response.function_call_arguments.delta":
                return self._arguments(event)
            if kind == "response.output_item.added":
                return self._item_added(event)
            if kind == "response.output_item.done":
                return self._item_done(event)
            if kind in _ENDINGS:
                self._end(event["response"])
            elif kind == "response.failed":
                raise ServerReportedError({"error": event["response"].get("error") or {}})
            elif kind == "error":
                error = {key: event.get(key) for key in ("message", "code", "param")}
                raise ServerReportedError({"error": error})
        except SHAPE_ERRORS as error:
            raise MalformedPayload(error) from None
        return []

    def finish(self) -> list[StreamEvent]:
        if self._ending is None:
            raise IncompleteStream
        reason, raw = self._ending
        finish = Finish(reason=reason, raw_reason=raw)
        return [finish] if self._usage is None else [self._usage, finish]

    def _key(self, event: dict[str, Any], item_id: object) -> str:
        return str(item_id) if item_id else f"#{event.get('output_index', 0)}"

    def _item_added(self, event: dict[str, Any]) -> list[StreamEvent]:
        item = event["item"]
        if item.get("type") != "function_call":
            return []
        index = len(self._calls)
        self._calls[self._key(event, item.get("id"))] = index
        arguments = item.get("arguments") or ""
        if arguments:
            self._streamed_arguments.add(index)
        name = item.get("name")
        return [ToolCallDelta(index=index, id=item.get("call_id"), name=name, arguments=arguments)]

    def _arguments(self, event: dict[str, Any]) -> list[StreamEvent]:
        index = self._calls.get(self._key(event, event.get("item_id")))
        delta = event.get("delta")
        if index is None or not delta:
            return []
        self._streamed_arguments.add(index)
        return [ToolCallDelta(index=index, arguments=delta)]

    def _refusal(self, event: dict[str, Any], delta: bool) -> list[StreamEvent]:
        """A piece of a refusal (``delta``), or its whole text (given only when no piece was)."""
        part = (self._key(event, event.get("item_id")), event.get("content_index") or 0)
        seen = part in self._refusals
        self._refusals.add(part)
        text = event.get("delta" if delta else "refusal")
        return [TextDelta(str(text))] if text and (delta or not seen) else []

    def _message_done(self, event: dict[str, Any], item: dict[str, Any]) -> list[StreamEvent]:
        """The refusal parts of a finished message whose text no refusal event gave."""
        key = self._key(event, item.get("id"))
        events: list[StreamEvent] = []
        for index, part in enumerate(item.get("content") or ()):
            if part.get("type") == "refusal" and (key, index) not in self._refusals:
                self._refusals.add((key, index))
                if part.get("refusal"):
                    events.append(TextDelta(str(part["refusal"])))
        return events

    def _item_done(self, event: dict[str, Any]) -> list[StreamEvent]:
        item = event["item"]
        kind = item.get("type")
        if kind == "message":
            return self._message_done(event, item)
        if kind == "reasoning":
            # Keys sorted: the SDK's objects keep their own field order, not the server's; the
            # values (the encrypted content above all) are the server's, unchanged.
            payload = json.dumps(item, sort_keys=True)
            return [ReasoningState(WIRE_FORMAT, self._provider, payload)]
        if kind == "function_call":
            # Arguments that came whole, with no deltas before (some compatible servers).
            index = self._calls.get(self._key(event, item.get("id")))
            arguments = item.get("arguments")
            if index is not None and index not in self._streamed_arguments and arguments:
                self._streamed_arguments.add(index)
                return [ToolCallDelta(index=index, arguments=arguments)]
        return []

    def _end(self, response: dict[str, Any]) -> None:
        self.done = True
        usage = response.get("usage")
        if usage:
            details = usage.get("output_tokens_details") or {}
            self._usage = Usage(
                input_tokens=usage.get("input_tokens"),
                output_tokens=usage.get("output_tokens"),
                reasoning_tokens=details.get("reasoning_tokens"),
            )
        status = str(response.get("status") or "completed")
        if status == "incomplete":
            why = str((response.get("incomplete_details") or {}).get("reason") or "")
            self._ending = (_INCOMPLETE_REASONS.get(why, "other"), f"incomplete:{why}")
        elif self._refusals:
            self._ending = ("content_filter", "refusal")
        else:
            self._ending = ("tool_calls" if self._calls else "stop", status)


def _as_dict(payload: object) -> dict[str, Any] | None:
    """An SDK event object as the JSON it was decoded from (the fields the server sent)."""
    to_dict = getattr(payload, "to_dict", None)
    if callable(to_dict):
        payload = to_dict()
    return payload if isinstance(payload, dict) else None
