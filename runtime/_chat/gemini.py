"""Google Gemini (``POST {base_url}/models/{model}:streamGenerateContent?alt=sse``), on httpx +
httpx-sse.

Wire facts: the key goes in the ``x-goog-api-key`` header (never the query string, where it
would land in logs); the conversation is ``contents`` of ``user`` / ``model`` turns made of
``parts`` (text, ``inlineData``, ``functionCall``, ``functionResponse``); the system prompt is
``systemInstruction``. Each event is a ``GenerateContentResponse``: ``candidates[0].content.parts``
carry the new text (``thought: true`` parts are reasoning), ``finishReason`` ends the reply,
``usageMetadata`` counts tokens; an ``{"error": …}`` event reports a failure mid-stream.
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
    tool_names_by_call_id,
)
from llm_registry.runtime._chat.sse import post_sse
from llm_registry.runtime._error_mapping import (
    error_from_response,
    malformed_stream_error,
    truncated_stream_error,
)

__all__ = ["GeminiProvider"]

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


class GeminiProvider(ChatProvider):
    """Streams replies from the Gemini API."""

    def build_contents(self, messages: list[Message]) -> list[dict[str, Any]]:
        """The conversation as Gemini ``contents`` (consecutive same-role turns merged)."""
        names = tool_names_by_call_id(messages)
        contents: list[dict[str, Any]] = []
        for message in messages:
            role, parts = self._parts(message, names)
            if contents and contents[-1]["role"] == role:
                contents[-1]["parts"].extend(parts)
            else:
                contents.append({"role": role, "parts": parts})
        return contents

    def _parts(self, message: Message, names: dict[str, str]) -> tuple[str, list[dict[str, Any]]]:
        if isinstance(message, ToolResultMessage):
            name = message.name or names.get(message.tool_call_id, message.tool_call_id)
            key = "error" if message.is_error else "content"
            response = {"name": name, "response": {key: message.content}}
            return "user", [{"functionResponse": response}]
        if isinstance(message, AssistantMessage):
            parts: list[dict[str, Any]] = []
            if message.text:
                parts.append({"text": message.text})
            for call in message.tool_calls:
                import json

                try:
                    arguments = json.loads(call.arguments) if call.arguments else {}
                except (ValueError, RecursionError):  # not JSON, or nested too deep
                    arguments = {}
                parts.append({"functionCall": {"name": call.name, "args": arguments}})
            return "model", parts or [{"text": ""}]
        inlined = [
            inline_text(a)
            for a in message.attachments
            if isinstance(a, TextAttachment | WebpageAttachment)
        ]
        parts = [{"text": "\n\n".join([*inlined, message.text])}]
        for attachment in message.attachments:
            if isinstance(attachment, ImageAttachment | PdfAttachment):
                parts.append(
                    {"inlineData": {"mimeType": attachment.mime_type, "data": attachment.base64}}
                )
        return "user", parts

    def build_request(
        self, model: str, messages: list[Message], options: ChatOptions
    ) -> dict[str, Any]:
        """The JSON body of the streamGenerateContent request."""
        request: dict[str, Any] = {"contents": self.build_contents(messages)}
        if options.system:
            request["systemInstruction"] = {"parts": [{"text": options.system}]}
        if options.tools:
            request["tools"] = [
                {
                    "functionDeclarations": [
                        {
                            "name": tool.name,
                            "description": tool.description,
                            "parameters": dict(tool.parameters),
                        }
                        for tool in options.tools
                    ]
                }
            ]
        config: dict[str, Any] = {}
        if options.max_output_tokens is not None:
            config["maxOutputTokens"] = options.max_output_tokens
        if options.temperature is not None:
            config["temperature"] = options.temperature
        reasoning = self.reasoning_request(model, options)
        if reasoning is not None and reasoning.budget_tokens is not None:
            config["thinkingConfig"] = {
                "thinkingBudget": reasoning.budget_tokens,
                "includeThoughts": True,
            }
        elif reasoning is not None and reasoning.effort is not None:
            config["thinkingConfig"] = {"thinkingLevel": reasoning.effort, "includeThoughts": True}
        if config:
            request["generationConfig"] = config
        return request

    def url(self, model: str) -> str:
        from urllib.parse import quote

        model = model.removeprefix("models/")
        return f"{self.base_url}/models/{quote(model, safe='/')}:streamGenerateContent?alt=sse"

    def headers(self) -> dict[str, str]:
        headers = self.request_headers()
        if self._api_key:
            headers["x-goog-api-key"] = self._api_key
        return headers

    async def _stream(
        self, model: str, messages: list[Message], options: ChatOptions
    ) -> AsyncIterator[StreamEvent]:
        import json

        body = self.build_request(model, messages, options)
        finish_reason: str | None = None
        usage: Usage | None = None
        tool_calls = 0
        events = post_sse(
            self,
            self.url(model),
            model=model,
            headers=self.headers(),
            body=body,
            api_key=self._api_key,
        )
        async with aclosing(events):
            async for _name, data in events:
                if not data:
                    continue
                try:
                    payload = json.loads(data)
                except (ValueError, RecursionError) as error:  # not JSON, or nested too deep
                    raise malformed_stream_error(self.descriptor, error) from None
                if isinstance(payload, list) and payload:
                    payload = payload[0]
                if not isinstance(payload, dict):
                    continue
                if "error" in payload:
                    raise error_from_response(
                        self.descriptor, model, status=None, body=payload, api_key=self._api_key
                    )
                try:
                    metadata = payload.get("usageMetadata")
                    if metadata:
                        usage = Usage(
                            input_tokens=metadata.get("promptTokenCount"),
                            output_tokens=_sum(
                                metadata.get("candidatesTokenCount"),
                                metadata.get("thoughtsTokenCount"),
                            ),
                            reasoning_tokens=metadata.get("thoughtsTokenCount"),
                        )
                    candidates = payload.get("candidates") or []
                    if not candidates:
                        blocked = (payload.get("promptFeedback") or {}).get("blockReason")
                        if blocked:
                            finish_reason = "SAFETY"
                        continue
                    candidate = candidates[0]
                    for part in (candidate.get("content") or {}).get("parts") or []:
                        text = part.get("text")
                        if text:
                            yield ReasoningDelta(text) if part.get("thought") else TextDelta(text)
                        call = part.get("functionCall")
                        if call:
                            yield ToolCallDelta(
                                index=tool_calls,
                                id=call.get("id") or f"call_{tool_calls}",
                                name=call.get("name"),
                                arguments=json.dumps(call.get("args") or {}),
                            )
                            tool_calls += 1
                    finish_reason = candidate.get("finishReason") or finish_reason
                except (KeyError, TypeError, AttributeError) as error:
                    raise malformed_stream_error(self.descriptor, error) from None
        if finish_reason is None:
            raise truncated_stream_error(self.descriptor)
        if usage is not None:
            yield usage
        reason: FinishReason = _FINISH_REASONS.get(finish_reason, "other")
        if reason == "stop" and tool_calls:
            reason = "tool_calls"
        yield Finish(reason=reason, raw_reason=finish_reason)


def _sum(*counts: object) -> int | None:
    numbers = [count for count in counts if isinstance(count, int)]
    return sum(numbers) if numbers else None
