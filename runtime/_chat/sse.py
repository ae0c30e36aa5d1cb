"""POST a JSON request and read the server-sent events of the reply, on httpx + httpx-sse.

Shared by the native (non-OpenAI) providers. Failures become the runtime's errors here, so
each provider only reads events.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping
from typing import TYPE_CHECKING, Any

from llm_registry.runtime._chat.event_cap import capped_httpx_stream
from llm_registry.runtime._chat.idle import IdleDeadline
from llm_registry.runtime._error_mapping import (
    error_from_response,
    error_from_transport,
    idle_stream_error,
    malformed_stream_error,
    oversized_event_error,
    read_error_body,
)
from llm_registry.runtime._errors import ProviderError
from llm_registry.runtime._tls import shared_ssl_context

if TYPE_CHECKING:
    from llm_registry.runtime._chat.base import ChatProvider

__all__ = ["post_sse"]


async def post_sse(
    provider: ChatProvider,
    url: str,
    *,
    model: str,
    headers: Mapping[str, str],
    body: Mapping[str, Any],
    api_key: str | None,
    keepalive_events: frozenset[str] = frozenset(),
) -> AsyncGenerator[tuple[str, str], None]:
    """Yield ``(event name, data)`` for each server-sent event of the reply to ``body``.

    A non-2xx answer, a transport failure, a non-SSE reply, an event past the provider's
    ``max_event_bytes``, or ``provider.timeout`` seconds without a real event (see `_idle`:
    comments, events without data and events named in ``keepalive_events`` are pings) raises
    the runtime's error. Redirects are not followed: the request carries the key in its headers.
    """
    import httpx
    import httpx_sse

    timeout = httpx.Timeout(provider.timeout, connect=provider.connect_timeout)
    failure: ProviderError | None = None
    try:
        async with (
            httpx.AsyncClient(
                timeout=timeout, follow_redirects=False, verify=shared_ssl_context()
            ) as client,
            client.stream("POST", url, json=dict(body), headers=dict(headers)) as response,
        ):
            if not 200 <= response.status_code < 300:
                failure = error_from_response(
                    provider.descriptor,
                    model,
                    status=response.status_code,
                    body=await read_error_body(response),
                    headers=response.headers,
                    api_key=api_key,
                )
            else:
                limit = provider.max_event_bytes
                capped_httpx_stream(
                    response, limit, lambda: oversized_event_error(provider.descriptor, limit)
                )
                deadline = IdleDeadline(
                    provider.timeout,
                    lambda: idle_stream_error(provider.descriptor, provider.timeout),
                )
                events = httpx_sse.EventSource(response).aiter_sse()
                try:
                    while True:
                        try:
                            event = await deadline.next(events)
                        except StopAsyncIteration:
                            break
                        if event.data and event.event not in keepalive_events:
                            deadline.progressed()
                        yield event.event, event.data
                finally:
                    deadline.close()
    except httpx_sse.SSEError as error:
        # A 2xx that is not an event stream: a proxy's page, or the wrong endpoint. (Caught
        # before httpx.HTTPError, of which it is a subclass.)
        failure = malformed_stream_error(provider.descriptor, error)
    except httpx.HTTPError as error:
        failure = error_from_transport(provider.descriptor, provider.base_url, error)
    # Raised outside the except blocks so the transport exception (whose request holds the
    # key in its headers) is not chained to it.
    if failure is not None:
        raise failure
