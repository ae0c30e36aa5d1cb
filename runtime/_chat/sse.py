"""POST a JSON request and read the reply's server-sent events as decoded JSON payloads, on
httpx + httpx-sse.

The transport of the native (non-OpenAI) providers. It reports what went wrong as it happened
(a :class:`ServerReportedError` for a non-2xx answer, a :class:`MalformedPayload` for an event
that is not JSON, httpx's and httpx-sse's own exceptions for the transport) and leaves turning
that into the runtime's errors to the streaming loop of :class:`~runtime.ChatProvider`
(:func:`transport_failure` maps the exceptions).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping
from typing import TYPE_CHECKING, Any

from llm_registry.runtime._chat.event_cap import capped_httpx_stream
from llm_registry.runtime._chat.wire_format import MalformedPayload, ServerReportedError
from llm_registry.runtime._encoding import refused_compressed
from llm_registry.runtime._error_body import read_error_body
from llm_registry.runtime._error_mapping import (
    error_from_transport,
    malformed_stream_error,
    not_utf8_error,
    oversized_event_error,
)
from llm_registry.runtime._errors import ProviderError
from llm_registry.runtime._tls import shared_ssl_context

if TYPE_CHECKING:
    import httpx

    from llm_registry.runtime._chat.base import ChatProvider
    from llm_registry.runtime._descriptor import ProviderDescriptor

__all__ = ["SseStream", "transport_failure"]


class SseStream:
    """One POST whose reply is an event stream of JSON payloads.

    Redirects are not followed: the request carries the key in its headers. Events without
    data and events named in ``keepalive_events`` are pings: they are read and dropped, so the
    idle deadline of the loop waiting on :meth:`start`'s iterator keeps running through them.
    """

    def __init__(
        self,
        url: str,
        *,
        headers: Mapping[str, str],
        body: Mapping[str, Any],
        timeout: float,
        connect_timeout: float,
        max_event_bytes: int,
        oversized: Callable[[], ProviderError],
        compressed: Callable[[str], ProviderError],
        not_utf8: ProviderError,
        keepalive_events: frozenset[str] = frozenset(),
    ) -> None:
        self._url = url
        self._headers = dict(headers)
        self._body = dict(body)
        self._timeout = timeout
        self._connect_timeout = connect_timeout
        self._max_event_bytes = max_event_bytes
        self._oversized = oversized
        self._compressed = compressed
        self._not_utf8 = not_utf8
        self._keepalive_events = keepalive_events
        self._client: httpx.AsyncClient | None = None
        self._response: httpx.Response | None = None
        self._payloads: AsyncGenerator[object, None] | None = None

    @classmethod
    def for_provider(
        cls,
        provider: ChatProvider,
        url: str,
        *,
        headers: Mapping[str, str],
        body: Mapping[str, Any],
        keepalive_events: frozenset[str] = frozenset(),
    ) -> SseStream:
        """A stream with ``provider``'s timeouts and event cap."""
        limit = provider.max_event_bytes
        return cls(
            url,
            headers=headers,
            body=body,
            timeout=provider.timeout,
            connect_timeout=provider.connect_timeout,
            max_event_bytes=limit,
            oversized=lambda: oversized_event_error(provider.descriptor, limit),
            compressed=lambda coding: refused_compressed(
                provider.descriptor.display_name, provider.descriptor.id, coding
            ),
            not_utf8=not_utf8_error(provider.descriptor),
            keepalive_events=keepalive_events,
        )

    async def start(self) -> AsyncIterator[object]:
        """Send the request; the reply's payloads, once it is known to be a 2xx."""
        import httpx

        timeout = httpx.Timeout(self._timeout, connect=self._connect_timeout)
        client = self._client = httpx.AsyncClient(
            timeout=timeout, follow_redirects=False, verify=shared_ssl_context()
        )
        request = client.build_request("POST", self._url, json=self._body, headers=self._headers)
        response = self._response = await client.send(request, stream=True)
        if not 200 <= response.status_code < 300:
            raise ServerReportedError(
                await read_error_body(response),
                status=response.status_code,
                headers=dict(response.headers),
            )
        capped_httpx_stream(
            response, self._max_event_bytes, self._oversized, self._compressed, self._not_utf8
        )
        self._payloads = _payloads(response, self._keepalive_events)
        return self._payloads

    async def aclose(self) -> None:
        if self._payloads is not None:
            await self._payloads.aclose()
        if self._response is not None:
            await self._response.aclose()
        if self._client is not None:
            await self._client.aclose()


async def _payloads(
    response: httpx.Response, keepalive_events: frozenset[str]
) -> AsyncGenerator[object, None]:
    import json

    import httpx_sse

    async for event in httpx_sse.EventSource(response).aiter_sse():
        data = event.data
        if not data or event.event in keepalive_events:
            continue
        try:
            payload = json.loads(data)
        except (ValueError, RecursionError) as error:  # not JSON, or nested too deep
            raise MalformedPayload(error) from None
        yield payload


def transport_failure(
    descriptor: ProviderDescriptor, base_url: str, error: Exception
) -> ProviderError | None:
    """The runtime's error for an httpx or httpx-sse exception; None for any other."""
    import httpx
    import httpx_sse

    if isinstance(error, httpx_sse.SSEError):
        # A 2xx that is not an event stream: a proxy's page, or the wrong endpoint. (Tested
        # before httpx.HTTPError, of which it is a subclass.)
        return malformed_stream_error(descriptor, error)
    if isinstance(error, httpx.HTTPError):
        return error_from_transport(descriptor, base_url, error)
    return None
