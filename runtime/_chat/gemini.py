"""Google Gemini (``POST {base_url}/models/{model}:streamGenerateContent?alt=sse``), on httpx +
httpx-sse.

Wire facts: the key goes in the ``x-goog-api-key`` header (never the query string, where it
would land in logs); the conversation is ``contents`` of ``user`` / ``model`` turns made of
``parts`` (text, ``inlineData``, ``functionCall``, ``functionResponse``); the system prompt is
``systemInstruction``. A model turn this provider wrote carries its ``thoughtSignature`` values
back on the parts they came on (each function call's on its ``functionCall`` part, the reply's
on its text part; Gemini 3 refuses a function call without its signature). The reply is an
event stream of
``GenerateContentResponse`` objects, read by
:class:`~llm_registry.runtime._chat.gemini_stream.GeminiTranslator`.
"""

from __future__ import annotations

from typing import Any

from llm_registry.runtime._chat.base import ChatOptions, ChatProvider
from llm_registry.runtime._chat.gemini_stream import WIRE_FORMAT, GeminiTranslator
from llm_registry.runtime._chat.messages import (
    AssistantMessage,
    ImageAttachment,
    Message,
    PdfAttachment,
    ToolResultMessage,
    tool_names_by_call_id,
)
from llm_registry.runtime._chat.reasoning import ReasoningRequest
from llm_registry.runtime._chat.sse import SseStream, transport_failure
from llm_registry.runtime._chat.wire import merged_turns, tool_arguments, user_text
from llm_registry.runtime._endpoint import credentials, with_query
from llm_registry.runtime._errors import ProviderError

__all__ = ["GeminiProvider"]


class GeminiProvider(ChatProvider):
    """Streams replies from the Gemini API."""

    def build_contents(self, messages: list[Message]) -> list[dict[str, Any]]:
        """The conversation as Gemini ``contents`` (consecutive same-role turns merged)."""
        names = tool_names_by_call_id(messages)
        return merged_turns((self._parts(message, names) for message in messages), "parts")

    def _parts(self, message: Message, names: dict[str, str]) -> tuple[str, list[dict[str, Any]]]:
        if isinstance(message, ToolResultMessage):
            name = message.name or names.get(message.tool_call_id, message.tool_call_id)
            key = "error" if message.is_error else "content"
            response = {"name": name, "response": {key: message.content}}
            return "user", [{"functionResponse": response}]
        if isinstance(message, AssistantMessage):
            return "model", self._model_parts(message)
        parts: list[dict[str, Any]] = [{"text": user_text(message.text, message.attachments)}]
        parts.extend(
            {"inlineData": {"mimeType": attachment.mime_type, "data": attachment.base64}}
            for attachment in message.attachments
            if isinstance(attachment, ImageAttachment | PdfAttachment)
        )
        return "user", parts

    def _model_parts(self, message: AssistantMessage) -> list[dict[str, Any]]:
        """The text (with the reply's first signature; any others on empty text parts after
        it), then the function calls, each with its own signature."""
        signatures = [
            state.data() for state in message.replayed_state(WIRE_FORMAT, self.provider_id)
        ]
        parts: list[dict[str, Any]] = []
        if message.text or signatures:
            parts.append({"text": message.text, **(signatures[0] if signatures else {})})
            parts.extend({"text": "", **signature} for signature in signatures[1:])
        for call in message.tool_calls:
            part: dict[str, Any] = {
                "functionCall": {"name": call.name, "args": tool_arguments(call)}
            }
            state = call.reasoning_state
            if state is not None and state.minted_by(WIRE_FORMAT, self.provider_id):
                part.update(state.data())
            parts.append(part)
        return parts or [{"text": ""}]

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
        if reasoning is not None:
            config["thinkingConfig"] = self._thinking_config(model, reasoning)
        if config:
            request["generationConfig"] = config
        return request

    def _thinking_config(self, model: str, reasoning: ReasoningRequest) -> dict[str, Any]:
        """A budget of 0 switches thinking off, -1 lets the model choose (switched on); a model
        with thinking levels is switched on by asking for its thoughts."""
        if reasoning.mode == "off":
            return {"thinkingBudget": 0}
        if reasoning.mode == "effort":
            return {"thinkingLevel": reasoning.effort, "includeThoughts": True}
        if reasoning.budget_tokens is not None:
            return {"thinkingBudget": reasoning.budget_tokens, "includeThoughts": True}
        declared = getattr(self.registry_model(model), "reasoning", None)
        if declared is not None and declared.mode == "effort":
            return {"includeThoughts": True}
        return {"thinkingBudget": -1, "includeThoughts": True}

    def url(self, model: str) -> str:
        from urllib.parse import quote

        model = model.removeprefix("models/")
        placed = credentials(self.descriptor, self._api_key, native_header="x-goog-api-key")
        url = f"{self.base_url}/models/{quote(model, safe='/')}:streamGenerateContent?alt=sse"
        return with_query(url, placed.params)

    def headers(self) -> dict[str, str]:
        """The key in ``x-goog-api-key``, unless the descriptor's ``auth`` puts it elsewhere."""
        placed = credentials(self.descriptor, self._api_key, native_header="x-goog-api-key")
        return {**self.request_headers(), **placed.headers}

    def open_stream(self, model: str, request: dict[str, Any]) -> SseStream:
        return SseStream.for_provider(self, self.url(model), headers=self.headers(), body=request)

    def new_translator(self, model: str) -> GeminiTranslator:
        return GeminiTranslator(self.provider_id)

    def transport_failure(self, error: Exception, model: str) -> ProviderError | None:
        return transport_failure(self.descriptor, self.base_url, error)
