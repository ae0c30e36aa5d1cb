"""Anthropic's Messages API (``POST {base_url}/messages``, streamed), on httpx + httpx-sse.

Wire facts: the key goes in ``x-api-key`` with an ``anthropic-version`` header; the system
prompt is a top-level field; ``max_tokens`` is required; images and PDFs are base64 blocks;
tool results are ``tool_result`` blocks in a user turn. The stream is ``message_start``, then
per content block ``content_block_start`` / ``content_block_delta``* / ``content_block_stop``,
then ``message_delta`` (stop reason, output tokens) and ``message_stop``, where reading stops;
``ping`` keeps the connection alive and ``error`` reports a failure mid-stream.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import aclosing
from typing import Any

from llm_registry.runtime._chat.base import ChatOptions, ChatProvider
from llm_registry.runtime._chat.events import (
    Finish,
    FinishReason,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    Usage,
)
from llm_registry.runtime._chat.messages import (
    AssistantMessage,
    ImageAttachment,
    Message,
    PdfAttachment,
    TextAttachment,
    ToolResultMessage,
    WebpageAttachment,
    inline_text,
)
from llm_registry.runtime._chat.sse import post_sse
from llm_registry.runtime._discovery.dialects import ANTHROPIC_VERSION
from llm_registry.runtime._error_mapping import (
    error_from_response,
    malformed_stream_error,
    truncated_stream_error,
)

__all__ = ["AnthropicProvider"]

# max_tokens is required; used when neither the caller nor the registry gives one.
DEFAULT_MAX_TOKENS = 4096

# Anthropic's keep-alive, sent any number of times while the reply is slow to come: it does not
# hold off the stream's idle deadline.
_KEEPALIVE_EVENTS = frozenset({"ping"})

_STOP_REASONS: dict[str, FinishReason] = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}


class AnthropicProvider(ChatProvider):
    """Streams replies from Anthropic's Messages API."""

    def build_messages(self, messages: list[Message]) -> list[dict[str, Any]]:
        """The conversation as Messages-API turns (consecutive same-role turns merged)."""
        wire: list[dict[str, Any]] = []
        for message in messages:
            role, blocks = self._blocks(message)
            if wire and wire[-1]["role"] == role:
                wire[-1]["content"].extend(blocks)
            else:
                wire.append({"role": role, "content": blocks})
        return wire

    def _blocks(self, message: Message) -> tuple[str, list[dict[str, Any]]]:
        if isinstance(message, ToolResultMessage):
            block: dict[str, Any] = {
                "type": "tool_result",
                "tool_use_id": message.tool_call_id,
                "content": message.content,
            }
            if message.is_error:
                block["is_error"] = True
            return "user", [block]
        if isinstance(message, AssistantMessage):
            blocks: list[dict[str, Any]] = []
            if message.text:
                blocks.append({"type": "text", "text": message.text})
            for call in message.tool_calls:
                import json

                try:
                    arguments = json.loads(call.arguments) if call.arguments else {}
                except (ValueError, RecursionError):  # not JSON, or nested too deep
                    arguments = {}
                blocks.append(
                    {"type": "tool_use", "id": call.id, "name": call.name, "input": arguments}
                )
            return "assistant", blocks
        blocks = []
        for attachment in message.attachments:
            if isinstance(attachment, ImageAttachment):
                blocks.append(
                    {
                        "type": "image",
                        "source": {
                            "type": "base64",
                            "media_type": attachment.mime_type,
                            "data": attachment.base64,
                        },
                    }
                )
            elif isinstance(attachment, PdfAttachment):
                blocks.append(
                    {
                        "type": "document",
                        "source": {
                            "type": "base64",
                            "media_type": attachment.mime_type,
                            "data": attachment.base64,
                        },
                    }
                )
        inlined = [
            inline_text(a)
            for a in message.attachments
            if isinstance(a, TextAttachment | WebpageAttachment)
        ]
        blocks.append({"type": "text", "text": "\n\n".join([*inlined, message.text])})
        return "user", blocks

    def build_request(
        self, model: str, messages: list[Message], options: ChatOptions
    ) -> dict[str, Any]:
        """The JSON body of the streamed Messages request."""
        max_tokens = self.max_output_tokens(model, options) or DEFAULT_MAX_TOKENS
        request: dict[str, Any] = {
            "model": model,
            "messages": self.build_messages(messages),
            "stream": True,
        }
        if options.system:
            request["system"] = options.system
        if options.tools:
            request["tools"] = [
                {
                    "name": tool.name,
                    "description": tool.description,
                    "input_schema": dict(tool.parameters),
                }
                for tool in options.tools
            ]
        if options.temperature is not None:
            request["temperature"] = options.temperature
        reasoning = self.reasoning_request(model, options)
        if reasoning is not None and reasoning.budget_tokens is not None:
            request["thinking"] = {"type": "enabled", "budget_tokens": reasoning.budget_tokens}
            # The thinking budget counts against max_tokens, which must exceed it.
            max_tokens = max(max_tokens, reasoning.budget_tokens + DEFAULT_MAX_TOKENS)
        elif reasoning is not None and reasoning.effort is not None:
            request["thinking"] = {"type": "adaptive"}
            request["output_config"] = {"effort": reasoning.effort}
        request["max_tokens"] = max_tokens
        return request

    def headers(self) -> dict[str, str]:
        headers = {"anthropic-version": ANTHROPIC_VERSION, **self.request_headers()}
        if self._api_key:
            headers["x-api-key"] = self._api_key
        return headers

    async def _stream(
        self, model: str, messages: list[Message], options: ChatOptions
    ) -> AsyncIterator[StreamEvent]:
        import json

        body = self.build_request(model, messages, options)
        tool_index_by_block: dict[int, int] = {}
        input_tokens: int | None = None
        output_tokens: int | None = None
        stop_reason: str | None = None
        stopped = False
        events = post_sse(
            self,
            f"{self.base_url}/messages",
            model=model,
            headers=self.headers(),
            body=body,
            api_key=self._api_key,
            keepalive_events=_KEEPALIVE_EVENTS,
        )
        async with aclosing(events):
            async for name, data in events:
                if name == "ping" or not data:
                    continue
                try:
                    payload = json.loads(data)
                    kind = payload.get("type", name) if isinstance(payload, dict) else None
                except (ValueError, RecursionError) as error:  # not JSON, or nested too deep
                    raise malformed_stream_error(self.descriptor, error) from None
                if kind == "error" or name == "error":
                    raise error_from_response(
                        self.descriptor, model, status=None, body=payload, api_key=self._api_key
                    )
                try:
                    if kind == "content_block_delta":
                        delta = payload["delta"]
                        delta_type = delta.get("type")
                        if delta_type == "text_delta":
                            if delta.get("text"):
                                yield TextDelta(delta["text"])
                        elif delta_type == "input_json_delta":
                            index = tool_index_by_block.get(payload.get("index", 0))
                            if index is not None and delta.get("partial_json"):
                                yield ToolCallDelta(index=index, arguments=delta["partial_json"])
                        elif delta_type == "thinking_delta":
                            if delta.get("thinking"):
                                yield ReasoningDelta(delta["thinking"])
                    elif kind == "content_block_start":
                        block = payload["content_block"]
                        if block.get("type") == "tool_use":
                            index = len(tool_index_by_block)
                            tool_index_by_block[payload.get("index", index)] = index
                            yield ToolCallDelta(
                                index=index, id=block.get("id"), name=block.get("name")
                            )
                        elif block.get("type") == "text" and block.get("text"):
                            yield TextDelta(block["text"])
                    elif kind == "message_start":
                        usage = payload["message"].get("usage") or {}
                        input_tokens = _total_input_tokens(usage)
                        output_tokens = usage.get("output_tokens", output_tokens)
                    elif kind == "message_delta":
                        stop_reason = (payload.get("delta") or {}).get("stop_reason") or stop_reason
                        usage = payload.get("usage") or {}
                        output_tokens = usage.get("output_tokens", output_tokens)
                        if usage.get("input_tokens") is not None:
                            input_tokens = _total_input_tokens(usage)
                    elif kind == "message_stop":
                        stopped = True
                except (KeyError, TypeError, AttributeError) as error:
                    raise malformed_stream_error(self.descriptor, error) from None
                if stopped:
                    # The reply is complete: a proxy may hold the connection open after it,
                    # and waiting for the end of the body would end in a read timeout.
                    break
        if not stopped:
            raise truncated_stream_error(self.descriptor)
        if input_tokens is not None or output_tokens is not None:
            yield Usage(input_tokens=input_tokens, output_tokens=output_tokens)
        yield Finish(reason=_STOP_REASONS.get(stop_reason or "", "other"), raw_reason=stop_reason)


def _total_input_tokens(usage: dict[str, Any]) -> int | None:
    """Prompt tokens, counting those read from or written to the prompt cache."""
    parts = [
        usage.get(key)
        for key in ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
    ]
    counted = [part for part in parts if isinstance(part, int)]
    return sum(counted) if counted else None
