"""OpenAI-compatible chat completions, on the official ``openai`` SDK.

Every provider whose descriptor says ``implementation: openai_compatible`` streams through
:class:`BaseOpenAICompatibleProvider` with no code of its own: the base URL, headers and key
come from the descriptor. A descriptor names a subclass (``provider_class``) only for a real
difference in the wire format; the ``build_*`` and ``reasoning_params`` methods are the places
to override.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from llm_registry.runtime._chat.base import ChatOptions, ChatProvider, ReasoningRequest
from llm_registry.runtime._chat.event_cap import capped_httpx2_stream
from llm_registry.runtime._chat.events import (
    Finish,
    FinishReason,
    ReasoningDelta,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    Usage,
)
from llm_registry.runtime._chat.idle import IdleDeadline
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
from llm_registry.runtime._error_mapping import (
    error_from_response,
    error_from_transport,
    idle_stream_error,
    malformed_stream_error,
    oversized_event_error,
    truncated_stream_error,
)
from llm_registry.runtime._errors import ProviderError

if TYPE_CHECKING:
    import ssl

    import httpx2
    from openai import APIError, AsyncOpenAI

__all__ = ["BaseOpenAICompatibleProvider"]

# Sent to servers that need some bearer token even when they check none (local servers).
_KEYLESS_PLACEHOLDER = "no-key"

_FINISH_REASONS: dict[str, FinishReason] = {
    "stop": "stop",
    "length": "length",
    "tool_calls": "tool_calls",
    "function_call": "tool_calls",
    "content_filter": "content_filter",
}


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """One TLS context for every stream: building one loads the CA bundle (tens of ms)."""
    import httpx2

    return httpx2.create_ssl_context()


class BaseOpenAICompatibleProvider(ChatProvider):
    """Streams chat completions from any OpenAI-compatible server."""

    #: Ask for a final usage chunk (``stream_options.include_usage``).
    include_usage: bool = True

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
        inlined = [
            inline_text(a) for a in attachments if isinstance(a, TextAttachment | WebpageAttachment)
        ]
        parts: list[dict[str, Any]] = [{"type": "text", "text": "\n\n".join([*inlined, text])}]
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
        """Request fields for a reasoning setting. The base class knows ``reasoning_effort``;
        a thinking-token budget has no standard chat-completions field, so it is only sent by
        subclasses for servers that define one."""
        if reasoning.mode == "effort" and reasoning.effort is not None:
            return {"reasoning_effort": reasoning.effort}
        return {}

    def build_request(
        self, model: str, messages: list[Message], options: ChatOptions
    ) -> dict[str, Any]:
        """Keyword arguments for ``client.chat.completions.create``."""
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
            default_headers=self.request_headers(),
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

    async def _cap_events(self, response: httpx2.Response) -> None:
        """A response hook: the SDK's SSE decoder puts no bound on an event."""
        limit = self.max_event_bytes
        capped_httpx2_stream(response, limit, lambda: oversized_event_error(self.descriptor, limit))

    async def _stream(
        self, model: str, messages: list[Message], options: ChatOptions
    ) -> AsyncIterator[StreamEvent]:
        import openai

        request = self.build_request(model, messages, options)
        client = self.make_client()
        failure: ProviderError | None = None
        finish_reason: str | None = None
        usage: Usage | None = None
        tool_slots = _ToolCallSlots()
        chunks = 0
        stream: Any = None
        try:
            # Only the server's answers are mapped here: a local failure (a value JSON cannot
            # hold, say) is the caller's to see as it is, not a fault of the server.
            stream = await client.chat.completions.create(**request)
        except openai.APIError as error:
            failure = self._failure(error, model)
        except ProviderError as error:
            # The event cap, met while the SDK read an error body inside its own except block:
            # keep the SDK's exception (its request holds the key) out of this one.
            failure = _unchained(error)
        finally:
            if stream is None:
                await client.close()
        # Raised here, outside the except blocks, so the SDK exception (whose request holds
        # the key in its headers) is not chained to it.
        if failure is not None:
            raise failure
        deadline = IdleDeadline(
            self.timeout, lambda: idle_stream_error(self.descriptor, self.timeout)
        )
        chunk_iterator = stream.__aiter__()
        try:
            while True:
                # Every chunk the SDK yields is a real event: it drops SSE comments (pings).
                try:
                    chunk = await deadline.next(chunk_iterator)
                except StopAsyncIteration:
                    break
                deadline.progressed()
                chunks += 1
                try:
                    reported = chunk.usage
                    if reported is not None:
                        details = getattr(reported, "completion_tokens_details", None)
                        usage = Usage(
                            input_tokens=reported.prompt_tokens,
                            output_tokens=reported.completion_tokens,
                            reasoning_tokens=getattr(details, "reasoning_tokens", None),
                        )
                    for choice in chunk.choices:
                        delta = choice.delta
                        if delta is not None:
                            extra = delta.model_extra
                            if extra:
                                # DeepSeek, Kimi, vLLM say reasoning_content; OpenRouter and
                                # Ollama say reasoning.
                                thought = extra.get("reasoning_content") or extra.get("reasoning")
                                if isinstance(thought, str) and thought:
                                    yield ReasoningDelta(thought)
                            content = delta.content
                            if content:
                                yield TextDelta(content)
                            if delta.tool_calls:
                                for call in delta.tool_calls:
                                    function = call.function
                                    yield ToolCallDelta(
                                        index=tool_slots.index_of(call.index, call.id),
                                        id=call.id,
                                        name=function.name if function is not None else None,
                                        arguments=(
                                            (function.arguments or "")
                                            if function is not None
                                            else ""
                                        ),
                                    )
                        if choice.finish_reason:
                            finish_reason = choice.finish_reason
                except (TypeError, KeyError, AttributeError) as error:
                    # JSON of the wrong shape ("choices": null, a list for an object).
                    failure = malformed_stream_error(self.descriptor, error)
                    break
        except openai.APIError as error:
            failure = self._failure(error, model)
        except ProviderError as error:  # the event cap
            failure = _unchained(error)
        except (ValueError, RecursionError) as error:
            # The stream itself could not be decoded: not UTF-8, not JSON, or nested too deep.
            failure = malformed_stream_error(self.descriptor, error)
        finally:
            deadline.close()
            await client.close()
        if failure is not None:
            raise failure
        if finish_reason is None:
            if chunks == 0:
                # A 200 with no events at all: an HTML page or the wrong endpoint.
                raise malformed_stream_error(self.descriptor, None)
            raise truncated_stream_error(self.descriptor)
        if usage is not None:
            yield usage
        yield Finish(reason=_FINISH_REASONS.get(finish_reason, "other"), raw_reason=finish_reason)

    def _failure(self, error: APIError, model: str) -> ProviderError:
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
        # An error event inside a 200 stream; the SDK keeps the event's error object.
        return error_from_response(
            self.descriptor,
            model,
            status=None,
            body={"error": error.body},
            api_key=self._api_key,
        )


def _unchained(error: ProviderError) -> ProviderError:
    error.__context__ = None
    return error.with_traceback(None)


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
