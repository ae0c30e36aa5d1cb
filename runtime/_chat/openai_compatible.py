"""OpenAI-compatible chat completions, on the official ``openai`` SDK.

Every provider whose descriptor says ``implementation: openai_compatible`` streams through
:class:`BaseOpenAICompatibleProvider` with no code of its own: the base URL, headers and key
come from the descriptor. A descriptor names a subclass (``provider_class``) only for a real
difference in the wire format; the ``build_*`` and ``reasoning_params`` methods are the places
to override. How a model takes its reasoning setting is data, not a subclass: the registry's
``reasoning.sent_as`` names the fields (``reasoning_effort``, ``thinking``, ``enable_thinking``,
``chat_template_kwargs``, OpenRouter's ``reasoning``).
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from llm_registry.runtime._chat.base import ChatProvider, ReasoningRequest
from llm_registry.runtime._chat.event_cap import capped_httpx2_stream
from llm_registry.runtime._chat.messages import (
    AssistantMessage,
    ImageAttachment,
    Message,
    PdfAttachment,
    TextAttachment,
    ToolResultMessage,
    WebpageAttachment,
)
from llm_registry.runtime._chat.openai_responses import (
    ResponsesSdkStream,
    build_responses_request,
)
from llm_registry.runtime._chat.openai_responses_stream import WIRE_FORMAT as RESPONSES
from llm_registry.runtime._chat.openai_responses_stream import ResponsesTranslator
from llm_registry.runtime._chat.openai_stream import OpenAITranslator
from llm_registry.runtime._chat.options import ChatOptions
from llm_registry.runtime._chat.reasoning import openai_reasoning_fields
from llm_registry.runtime._chat.wire import user_text
from llm_registry.runtime._descriptor import model_implementation
from llm_registry.runtime._encoding import refused_compressed
from llm_registry.runtime._endpoint import auth_kind, credentials
from llm_registry.runtime._error_mapping import (
    error_from_response,
    error_from_transport,
    not_utf8_error,
    oversized_event_error,
)
from llm_registry.runtime._errors import BadRequestError, ProviderError

if TYPE_CHECKING:
    import ssl

    import httpx2
    from openai import AsyncOpenAI

__all__ = ["BaseOpenAICompatibleProvider", "OpenAIResponsesProvider"]

# Sent to servers that need some bearer token even when they check none (local servers).
_KEYLESS_PLACEHOLDER = "no-key"


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """One TLS context for every stream: building one loads the CA bundle (tens of ms)."""
    import httpx2

    return httpx2.create_ssl_context()


class BaseOpenAICompatibleProvider(ChatProvider):
    """Streams chat completions from any OpenAI-compatible server (or, for a model whose
    registry entry says ``implementation: openai_responses``, the Responses API)."""

    #: Ask for a final usage chunk (``stream_options.include_usage``).
    include_usage: bool = True

    #: The wire format of a model whose registry entry names none.
    default_wire_format: str = "openai_compatible"

    def wire_format_for(self, model: str) -> str:
        """``openai_compatible`` (chat completions) or ``openai_responses`` for ``model``."""
        return model_implementation(self.registry_model(model)) or self.default_wire_format

    def build_messages(self, messages: list[Message], options: ChatOptions) -> list[dict[str, Any]]:
        """The conversation as chat-completions messages."""
        wire: list[dict[str, Any]] = []
        if options.system:
            wire.append({"role": "system", "content": options.system})
        for message in messages:
            if isinstance(message, ToolResultMessage):
                wire.append(
                    {
                        "role": "tool",
                        "tool_call_id": message.tool_call_id,
                        "content": message.content,
                    }
                )
            elif isinstance(message, AssistantMessage):
                entry: dict[str, Any] = {"role": "assistant", "content": message.text or None}
                if message.tool_calls:
                    entry["tool_calls"] = [
                        {
                            "id": call.id,
                            "type": "function",
                            "function": {"name": call.name, "arguments": call.arguments or "{}"},
                        }
                        for call in message.tool_calls
                    ]
                wire.append(entry)
            elif not message.attachments:
                wire.append({"role": "user", "content": message.text})
            else:
                wire.append(
                    {
                        "role": "user",
                        "content": self.build_user_parts(message.text, message.attachments),
                    }
                )
        return wire

    def build_user_parts(
        self,
        text: str,
        attachments: tuple[
            ImageAttachment | PdfAttachment | TextAttachment | WebpageAttachment, ...
        ],
    ) -> list[dict[str, Any]]:
        """A user turn with attachments: inlined text first, then the message, then media."""
        parts: list[dict[str, Any]] = [{"type": "text", "text": user_text(text, attachments)}]
        for attachment in attachments:
            if isinstance(attachment, ImageAttachment):
                parts.append({"type": "image_url", "image_url": {"url": attachment.data_url}})
            elif isinstance(attachment, PdfAttachment):
                parts.append(
                    {
                        "type": "file",
                        "file": {"filename": attachment.name, "file_data": attachment.data_url},
                    }
                )
        return parts

    def reasoning_params(self, reasoning: ReasoningRequest) -> dict[str, Any]:
        """Request fields for a reasoning setting, in the shape the registry's ``sent_as``
        names for the model (unset: an effort as ``reasoning_effort``, nothing else). A setting
        that shape cannot carry is a :class:`~runtime.BadRequestError`; a subclass may send it
        its own way instead."""
        fields = openai_reasoning_fields(reasoning)
        if fields is None:
            shape = f"as {reasoning.sent_as!r}" if reasoning.sent_as else "with no sent_as"
            raise BadRequestError(
                f"{self.descriptor.display_name} cannot be sent {_describe(reasoning)}: the "
                f"registry describes the model's reasoning {shape} (reasoning.sent_as says "
                "how an OpenAI-compatible server takes it)",
                provider_id=self.provider_id,
            )
        return fields

    def build_request(
        self, model: str, messages: list[Message], options: ChatOptions
    ) -> dict[str, Any]:
        """Keyword arguments for ``client.chat.completions.create`` (or, for a model that
        speaks the Responses API, ``client.responses.create``)."""
        if self.wire_format_for(model) == RESPONSES:
            return build_responses_request(self, model, messages, options)
        request: dict[str, Any] = {
            "model": model,
            "messages": self.build_messages(messages, options),
            "stream": True,
        }
        if self.include_usage:
            request["stream_options"] = {"include_usage": True}
        if options.tools:
            request["tools"] = [
                {
                    "type": "function",
                    "function": {
                        "name": tool.name,
                        "description": tool.description,
                        "parameters": dict(tool.parameters),
                    },
                }
                for tool in options.tools
            ]
        if options.temperature is not None:
            request["temperature"] = options.temperature
        reasoning = self.reasoning_request(model, options)
        if options.max_output_tokens is not None:
            # OpenAI's reasoning models refuse the older max_tokens; most other servers know
            # only it. So: the newer field for a model that reasons, the older otherwise.
            entry = self.registry_model(model)
            reasons = reasoning is not None or (entry is not None and entry.reasoning is not None)
            field = "max_completion_tokens" if reasons else "max_tokens"
            request[field] = options.max_output_tokens
        if reasoning is not None:
            extra = self.reasoning_params(reasoning)
            known = {k: v for k, v in extra.items() if k == "reasoning_effort"}
            request.update(known)
            others = {k: v for k, v in extra.items() if k != "reasoning_effort"}
            if others:
                request["extra_body"] = others
        return request

    def make_client(self) -> AsyncOpenAI:
        """A client for one stream: the descriptor's base URL, headers and key, no retries."""
        import openai

        timeout = openai.Timeout(self.timeout, connect=self.connect_timeout)
        client = openai.AsyncOpenAI(
            api_key=self._api_key or _KEYLESS_PLACEHOLDER,
            base_url=self.base_url,
            default_headers=self.client_headers(),
            default_query=self.client_query(),
            max_retries=0,  # errors surface at once; retrying is the caller's decision
            timeout=timeout,
            # A redirect is reported, not followed: the request carries the key.
            http_client=openai.DefaultAsyncHttpxClient(
                timeout=timeout,
                follow_redirects=False,
                verify=_ssl_context(),
                event_hooks={"response": [self._cap_events]},
            ),
        )
        # The SDK picks these up from OPENAI_* variables; they belong to OpenAI alone and must
        # not travel to other providers.
        client.organization = None
        client.project = None
        client.admin_api_key = None
        return client

    def client_headers(self) -> dict[str, str]:
        """The descriptor's headers and, when its ``auth`` puts the key in a header, that header
        (the SDK's own ``Authorization`` is then left out: see :meth:`open_stream`)."""
        headers = self.request_headers()
        if self._sends_key_elsewhere():
            headers.update(credentials(self.descriptor, self._api_key).headers)
        return headers

    def _sends_key_elsewhere(self) -> bool:
        kind, _ = auth_kind(self.descriptor)
        return kind in ("header", "query")

    def client_query(self) -> dict[str, str] | None:
        """The descriptor's fixed query parameters, and the key when ``auth`` says so."""
        return dict(credentials(self.descriptor, self._api_key).params) or None

    async def _cap_events(self, response: httpx2.Response) -> None:
        """A response hook: the SDK's SSE decoder puts no bound on an event."""
        limit = self.max_event_bytes
        descriptor = self.descriptor
        capped_httpx2_stream(
            response,
            limit,
            lambda: oversized_event_error(descriptor, limit),
            lambda coding: refused_compressed(descriptor.display_name, descriptor.id, coding),
            not_utf8_error(descriptor),
        )

    def open_stream(self, model: str, request: dict[str, Any]) -> _SdkStream | ResponsesSdkStream:
        if self._sends_key_elsewhere():
            import openai

            # The SDK sends its api_key as a bearer token unless the request omits the header.
            omitted = {**request.get("extra_headers", {}), "Authorization": openai.Omit()}
            request = {**request, "extra_headers": omitted}
        if self.wire_format_for(model) == RESPONSES:
            return ResponsesSdkStream(self.make_client(), request)
        return _SdkStream(self.make_client(), request)

    def new_translator(self, model: str) -> OpenAITranslator | ResponsesTranslator:
        if self.wire_format_for(model) == RESPONSES:
            return ResponsesTranslator(self.provider_id)
        return OpenAITranslator()

    def transport_failure(self, error: Exception, model: str) -> ProviderError | None:
        """The runtime's error for one of the SDK's (``openai.APIError`` and subclasses)."""
        import openai

        if isinstance(error, openai.APIStatusError):
            return error_from_response(
                self.descriptor,
                model,
                status=error.status_code,
                body=error.body,
                headers=error.response.headers,
                api_key=self._api_key,
            )
        if isinstance(error, openai.APIConnectionError):
            return error_from_transport(self.descriptor, self.base_url, error)
        if isinstance(error, openai.APIError):
            # An error event inside a 200 stream; the SDK keeps the event's error object.
            return error_from_response(
                self.descriptor,
                model,
                status=None,
                body={"error": error.body},
                api_key=self._api_key,
            )
        return None


def _describe(reasoning: ReasoningRequest) -> str:
    if reasoning.mode == "effort":
        return f"a reasoning effort ({reasoning.effort!r})"
    if reasoning.mode == "budget_tokens":
        return f"a thinking budget ({reasoning.budget_tokens} tokens)"
    return f"switching reasoning {reasoning.mode}"


class _SdkStream:
    """One ``chat.completions.create`` call; its payloads are the SDK's chunk objects (it drops
    SSE comments, the pings, itself)."""

    __slots__ = ("_client", "_request")

    def __init__(self, client: AsyncOpenAI, request: dict[str, Any]) -> None:
        self._client = client
        self._request = request

    async def start(self) -> AsyncIterator[Any]:
        stream: Any = await self._client.chat.completions.create(**self._request)
        return stream.__aiter__()  # type: ignore[no-any-return]

    async def aclose(self) -> None:
        await self._client.close()


class OpenAIResponsesProvider(BaseOpenAICompatibleProvider):
    """Streams from the OpenAI Responses API (``implementation: openai_responses``); a model
    whose registry entry says ``implementation: openai_compatible`` uses chat completions."""

    default_wire_format = RESPONSES
