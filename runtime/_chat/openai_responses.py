"""The OpenAI Responses API (``POST {base_url}/responses``, streamed), on the official ``openai``
SDK: the request, and the transport (``client.responses.create(stream=True)``).

A descriptor picks it for every model (``implementation: openai_responses``, class
:class:`OpenAIResponsesProvider`) or for one model of an OpenAI-compatible provider (the
model's own ``implementation``); either way the client, the key, the headers and the error
mapping are those of :class:`~runtime.BaseOpenAICompatibleProvider`, which routes each model to
this format or to chat completions.

Wire facts: the conversation is ``input`` items: user and assistant messages
(``input_text``, ``input_image``, ``input_file`` parts), ``function_call`` items (``call_id``,
``name``, ``arguments``) and ``function_call_output`` items; the system prompt is
``instructions``; tools are flat ``{"type": "function", "name", "parameters"}``. Requests are
stateless (``store: false``): a reasoning model is asked for ``reasoning.encrypted_content``,
and the ``reasoning`` items it returns go back unchanged, in their places, with the assistant
turn they belong to. The reply is read by
:class:`~llm_registry.runtime._chat.openai_responses_stream.ResponsesTranslator`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from llm_registry.runtime._chat.messages import (
    AssistantMessage,
    ImageAttachment,
    Message,
    PdfAttachment,
    ToolResultMessage,
    UserMessage,
)
from llm_registry.runtime._chat.openai_responses_stream import WIRE_FORMAT
from llm_registry.runtime._chat.reasoning import ReasoningRequest
from llm_registry.runtime._chat.wire import user_text
from llm_registry.runtime._errors import BadRequestError

if TYPE_CHECKING:
    from openai import AsyncOpenAI

    from llm_registry.runtime._chat.base import ChatProvider
    from llm_registry.runtime._chat.options import ChatOptions

__all__ = ["ResponsesSdkStream", "build_responses_request"]


def build_responses_request(
    provider: ChatProvider, model: str, messages: list[Message], options: ChatOptions
) -> dict[str, Any]:
    """Keyword arguments for ``client.responses.create``."""
    request: dict[str, Any] = {
        "model": model,
        "input": _input(provider.provider_id, messages),
        "stream": True,
        "store": False,
    }
    if options.system:
        request["instructions"] = options.system
    if options.tools:
        request["tools"] = [
            {
                "type": "function",
                "name": tool.name,
                "description": tool.description,
                "parameters": dict(tool.parameters),
                "strict": False,  # as chat completions: the schema as given, not made strict
            }
            for tool in options.tools
        ]
    if options.max_output_tokens is not None:
        request["max_output_tokens"] = options.max_output_tokens
    if options.temperature is not None:
        request["temperature"] = options.temperature
    reasoning = provider.reasoning_request(model, options)
    entry = provider.registry_model(model)
    if reasoning is not None:
        request["reasoning"] = _reasoning(provider, reasoning)
    if (entry is not None and entry.reasoning is not None) or (
        reasoning is not None and reasoning.mode != "off"
    ):
        # Without it a stateless request could not carry the model's reasoning to the next.
        request["include"] = ["reasoning.encrypted_content"]
    return request


def _reasoning(provider: ChatProvider, reasoning: ReasoningRequest) -> dict[str, Any]:
    if reasoning.mode == "effort":
        return {"effort": reasoning.effort, "summary": "auto"}
    if reasoning.mode == "off":
        return {"effort": "none"}
    if reasoning.mode == "on":
        return {"summary": "auto"}
    raise BadRequestError(
        f"{provider.descriptor.display_name} cannot be sent a thinking budget "
        f"({reasoning.budget_tokens} tokens): the Responses API takes an effort",
        provider_id=provider.provider_id,
    )


def _input(provider_id: str, messages: list[Message]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for message in messages:
        if isinstance(message, ToolResultMessage):
            items.append(
                {
                    "type": "function_call_output",
                    "call_id": message.tool_call_id,
                    "output": message.content,
                }
            )
        elif isinstance(message, AssistantMessage):
            items.extend(_assistant_items(provider_id, message))
        else:
            items.append({"role": "user", "content": _user_content(message)})
    return items


def _assistant_items(provider_id: str, message: AssistantMessage) -> list[dict[str, Any]]:
    """Reasoning items first (each back in its place among the calls), the text, the calls."""
    states = message.replayed_state(WIRE_FORMAT, provider_id)
    items = [state.data() for state in states if state.position == 0]
    if message.text:
        items.append({"role": "assistant", "content": message.text})
    for number, call in enumerate(message.tool_calls, start=1):
        items.append(
            {
                "type": "function_call",
                "call_id": call.id,
                "name": call.name,
                "arguments": call.arguments or "{}",
            }
        )
        items.extend(state.data() for state in states if state.position == number)
    return items


def _user_content(message: UserMessage) -> str | list[dict[str, Any]]:
    text = user_text(message.text, message.attachments)
    media = [a for a in message.attachments if isinstance(a, ImageAttachment | PdfAttachment)]
    if not media:
        return text
    parts: list[dict[str, Any]] = [{"type": "input_text", "text": text}]
    for attachment in media:
        if isinstance(attachment, ImageAttachment):
            parts.append({"type": "input_image", "image_url": attachment.data_url})
        else:
            parts.append(
                {
                    "type": "input_file",
                    "filename": attachment.name,
                    "file_data": attachment.data_url,
                }
            )
    return parts


class ResponsesSdkStream:
    """One ``responses.create`` call; its payloads are the SDK's event objects."""

    __slots__ = ("_client", "_request")

    def __init__(self, client: AsyncOpenAI, request: dict[str, Any]) -> None:
        self._client = client
        self._request = request

    async def start(self) -> AsyncIterator[Any]:
        stream: Any = await self._client.responses.create(**self._request)
        return stream.__aiter__()  # type: ignore[no-any-return]

    async def aclose(self) -> None:
        await self._client.close()
