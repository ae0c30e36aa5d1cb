"""The abstract chat provider every wire format implements.

A provider turns a conversation into one streamed reply. A wire format supplies three things:
how to build its request (:meth:`ChatProvider.build_request`), how to send it and read the
reply's payloads (:meth:`ChatProvider.open_stream`, a :class:`PayloadStream`), and a pure
translator from payloads to :data:`~runtime.StreamEvent` (:meth:`ChatProvider.new_translator`).
This base class runs the one streaming loop over them (transport failures, the idle deadline,
the runtime's errors), and gives subclasses the descriptor, the key, the request options, the
reasoning settings the registry declares for the model, and the callback form of a stream
(:meth:`ChatProvider.chat`).
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from time import monotonic
from typing import TYPE_CHECKING, Any, Unpack

from llm_registry.runtime._chat.event_cap import MAX_EVENT_BYTES
from llm_registry.runtime._chat.events import (
    ChatResult,
    ReplyAccumulator,
    StreamEvent,
    TextDelta,
    ToolCall,
    Usage,
)
from llm_registry.runtime._chat.idle import IdleDeadline
from llm_registry.runtime._chat.messages import Message
from llm_registry.runtime._chat.options import ChatOptionArgs, ChatOptions
from llm_registry.runtime._chat.reasoning import ReasoningRequest, resolve_reasoning
from llm_registry.runtime._chat.wire_format import (
    IncompleteStream,
    MalformedPayload,
    PayloadStream,
    ServerReportedError,
    StreamTranslator,
)
from llm_registry.runtime._encoding import UNCOMPRESSED
from llm_registry.runtime._endpoint import endpoint_base_url
from llm_registry.runtime._error_mapping import (
    error_from_response,
    idle_stream_error,
    malformed_stream_error,
    max_time_error,
    truncated_stream_error,
    unanswered_error,
)
from llm_registry.runtime._errors import ProviderError
from llm_registry.runtime._keys import checked_api_key
from llm_registry.runtime._registry import find_model
from llm_registry.runtime._rules import MODEL_ID_SEPARATOR

if TYPE_CHECKING:
    from llm_registry.runtime._descriptor import Model, ProviderDescriptor

__all__ = ["ChatProvider", "ReasoningRequest"]

DEFAULT_TIMEOUT = 120.0
"""Seconds to wait for each read, write or pool slot, and between two chunks of the reply
(keep-alive pings do not count: a server that only pings is cut off after this long too)."""

DEFAULT_CONNECT_TIMEOUT = 10.0


class ChatProvider(ABC):
    """One provider, ready to stream replies.

    Build one with :func:`runtime.create_provider` (which resolves the key and picks the class
    from the descriptor), or directly from a descriptor. ``base_url`` overrides the registry's;
    ``timeout`` bounds the wait for the reply to begin (connect, TLS, sending the request and
    receiving the status line and headers, all together) and then the wait between two chunks
    of the reply, keep-alive pings aside (see `_idle`); ``connect_timeout`` bounds the connect
    alone. ``max_time``, when set, bounds the whole reply however steadily it streams (checked
    as each part arrives, so a reply ends at most ``timeout`` after it).
    ``variables`` fills a templated base URL (name → value; see `runtime._endpoint`).
    A key no HTTP header can carry, a base URL that cannot be used, or a base-URL variable
    without a usable value is refused here (:class:`~runtime.ConfigError`).
    """

    #: The largest server-sent event a reply may hold; a server that sends more without
    #: ending an event is cut off (ProviderUnavailableError) rather than buffered without end.
    max_event_bytes: int = MAX_EVENT_BYTES

    def __init__(
        self,
        descriptor: ProviderDescriptor,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        max_time: float | None = None,
        variables: Mapping[str, str] | None = None,
    ) -> None:
        self.descriptor = descriptor
        self._api_key = (
            None if api_key is None else checked_api_key(api_key, descriptor, source="api_key")
        )
        # A templated base URL is filled from `variables` (name -> value), the environment and
        # the defaults (runtime._endpoint); `base_url` replaces it whole.
        self.base_url = endpoint_base_url(descriptor, base_url, variables)
        self.timeout = timeout
        self.connect_timeout = min(connect_timeout, timeout)
        self.max_time = max_time

    def __repr__(self) -> str:
        # Never the key.
        return f"{type(self).__name__}(provider={self.descriptor.id!r}, base_url={self.base_url!r})"

    @property
    def provider_id(self) -> str:
        return self.descriptor.id

    def model_id(self, model: str) -> str:
        """The full ``"<provider>::<model>"`` id of one of this provider's models."""
        return f"{self.descriptor.id}{MODEL_ID_SEPARATOR}{model}"

    def stream(
        self, model: str, messages: Sequence[Message], **options: Unpack[ChatOptionArgs]
    ) -> AsyncIterator[StreamEvent]:
        """Stream the reply to ``messages`` from ``model`` (the provider's own model id).

        Yields typed events, :class:`~runtime.Finish` last. Raises a
        :class:`~runtime.ProviderError` subclass when the reply cannot complete — including a
        stream that stops before the provider said it finished. The options are those of
        :class:`ChatOptions`.

        ``reasoning_effort`` / ``reasoning_budget`` are sent where the registry declares the
        model reasons that way (and ignored for a registry model that does not reason);
        ``reasoning=False`` / ``True`` switch reasoning off or on, refused
        (:class:`~runtime.BadRequestError`, before anything is sent) for a model that cannot;
        for a model the registry does not list they are passed on as given.
        """
        return self._stream(model, list(messages), ChatOptions.of(options))

    async def chat(
        self,
        model: str,
        messages: Sequence[Message],
        *,
        on_chunk: Callable[[str], object] | None = None,
        on_complete: Callable[[str, tuple[ToolCall, ...], Usage | None], object] | None = None,
        on_error: Callable[[str], object] | None = None,
        **options: Unpack[ChatOptionArgs],
    ) -> ChatResult | None:
        """The callback form of :meth:`stream` (which takes the same options).

        ``on_chunk(text)`` gets each piece of text as it arrives; ``on_complete(final_text,
        tool_calls, usage)`` the whole reply. On failure ``on_error(message)`` gets the error's
        one-line message and None is returned; without ``on_error`` the error is raised.
        """
        accumulator = ReplyAccumulator()
        try:
            async for event in self.stream(model, messages, **options):
                accumulator.add(event)
                if on_chunk is not None and isinstance(event, TextDelta):
                    on_chunk(event.text)
        except ProviderError as error:
            if on_error is None:
                raise
            on_error(str(error))
            return None
        result = accumulator.result()
        if on_complete is not None:
            on_complete(result.text, result.tool_calls, result.usage)
        return result

    # What each wire format supplies.

    @abstractmethod
    def build_request(self, model: str, messages: list[Message], options: ChatOptions) -> Any:
        """The request to send, in this provider's wire format."""

    @abstractmethod
    def open_stream(self, model: str, request: Any) -> PayloadStream:
        """The transport that sends ``request`` and reads the reply's payloads (not yet
        started)."""

    @abstractmethod
    def new_translator(self, model: str) -> StreamTranslator[Any]:
        """A translator for one reply's payloads."""

    def transport_failure(self, error: Exception, model: str) -> ProviderError | None:
        """The runtime's error for an exception of this provider's transport; None for any
        other exception (a local failure, which is raised as it is)."""
        return None

    # The one streaming loop.

    async def _stream(
        self, model: str, messages: list[Message], options: ChatOptions
    ) -> AsyncIterator[StreamEvent]:
        """Send the request, feed each payload of the reply to a translator, yield its events.

        Every failure becomes the runtime's error here, raised outside any except block so that
        the transport's exception (whose request holds the key in its headers) is not chained
        to it. Waiting for the next payload is bounded by an idle deadline (see `_idle`); the
        transports bound the size of one event (see `_event_cap`).
        """
        translator = self.new_translator(model)
        transport = self.open_stream(model, self.build_request(model, messages, options))
        started = monotonic()
        payloads = await self._start(transport, model)
        failure: ProviderError | None = None
        deadline = IdleDeadline(self.timeout, self._idle_error)
        received = 0
        # Per payload, the loop below is the runtime's whole cost on top of the transport's:
        # the methods it calls are looked up once per stream, and max_time (a setting of the
        # provider, read as the stream starts) costs nothing when it is not set.
        next_payload, progressed, feed = deadline.next, deadline.progressed, translator.feed
        max_time = self.max_time
        try:
            while not translator.done:
                try:
                    payload = await next_payload(payloads)
                except StopAsyncIteration:
                    break
                progressed()
                received += 1
                if max_time is not None and monotonic() - started > max_time:
                    raise max_time_error(self.descriptor, max_time)
                for event in feed(payload):
                    yield event
        except Exception as error:
            failure = self._failure(error, model, reading=True)
            if failure is None:
                raise
        finally:
            deadline.close()
            await transport.aclose()
        if failure is not None:
            raise failure
        for event in self._closing_events(translator, received):
            yield event

    async def _start(self, transport: PayloadStream, model: str) -> AsyncIterator[Any]:
        """Send the request; the reply's payloads once the server answered (see `_stream` for
        how a failure is raised)."""
        failure: ProviderError | None = None
        try:
            # A server that drips its status line and headers a byte at a time keeps every
            # read short: the wait for the reply to begin is bounded as a whole.
            async with asyncio.timeout(self.timeout):
                return await transport.start()
        except TimeoutError:
            failure = unanswered_error(self.descriptor, self.timeout)
            await transport.aclose()
        except Exception as error:
            # Only the server's answers are mapped here: a local failure (a value JSON cannot
            # hold, say) is the caller's to see as it is, not a fault of the server.
            failure = self._failure(error, model, reading=False)
            await transport.aclose()
            if failure is None:
                raise
        raise failure

    def _closing_events(
        self, translator: StreamTranslator[Any], received: int
    ) -> list[StreamEvent]:
        try:
            return translator.finish()
        except IncompleteStream:
            pass
        if received == 0:
            # A 2xx with no events at all: an HTML page or the wrong endpoint.
            raise malformed_stream_error(self.descriptor, None)
        raise truncated_stream_error(self.descriptor)

    def _failure(self, error: Exception, model: str, *, reading: bool) -> ProviderError | None:
        """The runtime's error for what ended a stream; None when it is not the server's doing."""
        if isinstance(error, ProviderError):
            # The event cap, met while a transport handled an exception of its own: keep that
            # exception (its request holds the key) out of this one.
            error.__context__ = None
            return error.with_traceback(None)
        if isinstance(error, ServerReportedError):
            return error_from_response(
                self.descriptor,
                model,
                status=error.status,
                body=error.body,
                headers=error.headers,
                api_key=self._api_key,
            )
        if isinstance(error, MalformedPayload):
            return malformed_stream_error(self.descriptor, error.cause)
        mapped = self.transport_failure(error, model)
        if mapped is None and reading and isinstance(error, ValueError | RecursionError):
            # The stream itself could not be decoded: not UTF-8, not JSON, or nested too deep.
            mapped = malformed_stream_error(self.descriptor, error)
        return mapped

    def _idle_error(self) -> ProviderError:
        return idle_stream_error(self.descriptor, self.timeout)

    # Helpers for subclasses.

    def registry_model(self, model: str) -> Model | None:
        """The registry's entry for ``model``, if the descriptor lists it."""
        return find_model(self.descriptor, model)

    def reasoning_request(self, model: str, options: ChatOptions) -> ReasoningRequest | None:
        """What reasoning setting to send for ``model``, checked against the registry (see
        llm_registry.runtime._chat.reasoning)."""
        return resolve_reasoning(
            self.model_id(model), self.provider_id, self.registry_model(model), options
        )

    def max_output_tokens(self, model: str, options: ChatOptions) -> int | None:
        """The caller's output limit, else the registry's for the model, else None."""
        if options.max_output_tokens is not None:
            return options.max_output_tokens
        entry = self.registry_model(model)
        return entry.max_output_tokens if entry is not None else None

    def request_headers(self) -> dict[str, str]:
        """The descriptor's extra headers (never credentials; subclasses add the key), and a
        request for an uncompressed reply (see llm_registry.runtime._encoding)."""
        return {**(self.descriptor.headers or {}), **UNCOMPRESSED}
