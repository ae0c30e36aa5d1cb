"""Anthropic's Messages API (``POST {base_url}/messages``, streamed), on httpx + httpx-sse.

Wire facts: the key goes in ``x-api-key`` with an ``anthropic-version`` header; the system
prompt is a top-level field; ``max_tokens`` is required; images and PDFs are base64 blocks;
tool results are ``tool_result`` blocks in a user turn; an assistant turn this provider wrote
carries its ``thinking`` / ``redacted_thinking`` blocks back unchanged, in their places before
its ``tool_use`` blocks (extended thinking with tools refuses a turn without them). The reply
is an event
stream, read by :class:`~llm_registry.runtime._chat.anthropic_stream.AnthropicTranslator`.
"""

from __future__ import annotations

from typing import Any

from llm_registry.runtime._chat.anthropic_stream import WIRE_FORMAT, AnthropicTranslator
from llm_registry.runtime._chat.base import ChatProvider
from llm_registry.runtime._chat.messages import (
    AssistantMessage,
    ImageAttachment,
    Message,
    PdfAttachment,
    ToolResultMessage,
)
from llm_registry.runtime._chat.options import ChatOptions
from llm_registry.runtime._chat.reasoning import MIN_THINKING_BUDGET, ReasoningRequest
from llm_registry.runtime._chat.sse import SseStream, transport_failure
from llm_registry.runtime._chat.wire import merged_turns, tool_arguments, user_text
from llm_registry.runtime._discovery.dialects import ANTHROPIC_VERSION
from llm_registry.runtime._endpoint import credentials, with_query
from llm_registry.runtime._errors import ProviderError

__all__ = ["AnthropicProvider"]

# max_tokens is required; used when neither the caller nor the registry gives one.
DEFAULT_MAX_TOKENS = 4096

# Anthropic's keep-alive, sent any number of times while the reply is slow to come: it does not
# hold off the stream's idle deadline.
_KEEPALIVE_EVENTS = frozenset({"ping"})


class AnthropicProvider(ChatProvider):
    """Streams replies from Anthropic's Messages API."""

    def build_messages(self, messages: list[Message]) -> list[dict[str, Any]]:
        """The conversation as Messages-API turns (consecutive same-role turns merged)."""
        return merged_turns((self._blocks(message) for message in messages), "content")

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
            return "assistant", self._assistant_blocks(message)
        blocks = [
            {
                "type": "image" if isinstance(attachment, ImageAttachment) else "document",
                "source": {
                    "type": "base64",
                    "media_type": attachment.mime_type,
                    "data": attachment.base64,
                },
            }
            for attachment in message.attachments
            if isinstance(attachment, ImageAttachment | PdfAttachment)
        ]
        blocks.append({"type": "text", "text": user_text(message.text, message.attachments)})
        return "user", blocks

    def _assistant_blocks(self, message: AssistantMessage) -> list[dict[str, Any]]:
        """Thinking blocks first (each back in its place among the tool calls), then the text,
        then the tool calls."""
        states = message.replayed_state(WIRE_FORMAT, self.provider_id)
        blocks = [state.data() for state in states if state.position == 0]
        if message.text:
            blocks.append({"type": "text", "text": message.text})
        for number, call in enumerate(message.tool_calls, start=1):
            blocks.append(
                {
                    "type": "tool_use",
                    "id": call.id,
                    "name": call.name,
                    "input": tool_arguments(call),
                }
            )
            blocks.extend(state.data() for state in states if state.position == number)
        return blocks

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
        if reasoning is not None:
            request.update(self._thinking(model, reasoning))
            budget = request["thinking"].get("budget_tokens")
            if budget is not None:
                # The thinking budget counts against max_tokens, which must exceed it.
                max_tokens = max(max_tokens, budget + DEFAULT_MAX_TOKENS)
        request["max_tokens"] = max_tokens
        return request

    def _thinking(self, model: str, reasoning: ReasoningRequest) -> dict[str, Any]:
        """``thinking`` (and ``output_config``) for a reasoning setting. Switched on without a
        budget, a model with efforts thinks adaptively, any other with the smallest budget."""
        if reasoning.mode == "off":
            return {"thinking": {"type": "disabled"}}
        if reasoning.mode == "effort":
            return {"thinking": {"type": "adaptive"}, "output_config": {"effort": reasoning.effort}}
        budget = reasoning.budget_tokens
        if budget is None:
            declared = getattr(self.registry_model(model), "reasoning", None)
            if declared is not None and declared.mode == "effort":
                return {"thinking": {"type": "adaptive"}}
            minimum = declared.min_budget_tokens if declared is not None else None
            budget = max(minimum or 0, MIN_THINKING_BUDGET)
        return {"thinking": {"type": "enabled", "budget_tokens": budget}}

    def headers(self) -> dict[str, str]:
        """The key in ``x-api-key``, unless the descriptor's ``auth`` puts it elsewhere."""
        placed = credentials(self.descriptor, self._api_key, native_header="x-api-key")
        return {"anthropic-version": ANTHROPIC_VERSION, **self.request_headers(), **placed.headers}

    def open_stream(self, model: str, request: dict[str, Any]) -> SseStream:
        placed = credentials(self.descriptor, self._api_key, native_header="x-api-key")
        return SseStream.for_provider(
            self,
            with_query(f"{self.base_url}/messages", placed.params),
            headers=self.headers(),
            body=request,
            keepalive_events=_KEEPALIVE_EVENTS,
        )

    def new_translator(self, model: str) -> AnthropicTranslator:
        return AnthropicTranslator(self.provider_id)

    def transport_failure(self, error: Exception, model: str) -> ProviderError | None:
        return transport_failure(self.descriptor, self.base_url, error)
