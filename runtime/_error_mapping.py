"""From an HTTP status, headers and body (or a transport failure) to the error hierarchy.

One function serves all three wire formats and model discovery, so the same failure gives the
same error whatever carried it. What a body says is read by ``_error_body``; here it is
classified: by status first, then by the type, code and status words the body carries.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from llm_registry.runtime._chat.event_cap import MAX_EVENT_VALUES
from llm_registry.runtime._context import matches_context_limit
from llm_registry.runtime._error_body import parse_error_body, retry_after_seconds
from llm_registry.runtime._errors import (
    AuthenticationError,
    BadRequestError,
    ConfigError,
    ContextLimitError,
    ProviderError,
    ProviderUnavailableError,
    RateLimitError,
    redact,
)
from llm_registry.runtime._rules import MODEL_ID_SEPARATOR

if TYPE_CHECKING:
    from llm_registry.runtime._descriptor import ProviderDescriptor

__all__ = [
    "error_from_response",
    "error_from_transport",
    "idle_stream_error",
    "malformed_stream_error",
    "max_time_error",
    "not_utf8_error",
    "one_line",
    "oversized_event_error",
    "truncated_stream_error",
    "unanswered_error",
]

# Server text quoted in a message is cut here: one readable line, not a page of HTML.
_MAX_DETAIL_CHARS = 300

_AUTH_TYPES = frozenset(
    {
        "authentication_error",
        "permission_error",
        "invalid_api_key",
        "unauthenticated",
        "permission_denied",
        "unauthorized",
        "api_key_invalid",
    }
)
_RATE_LIMIT_TYPES = frozenset(
    {"rate_limit_error", "rate_limit_exceeded", "resource_exhausted", "too_many_requests"}
)
_UNAVAILABLE_TYPES = frozenset(
    {
        "overloaded_error",
        "api_error",
        "server_error",
        "service_unavailable",
        "unavailable",
        "internal",
        "deadline_exceeded",
        "timeout_error",
    }
)
_BAD_REQUEST_TYPES = frozenset(
    {
        "invalid_request_error",
        "not_found_error",
        "request_too_large",
        "invalid_argument",
        "not_found",
        "failed_precondition",
        "out_of_range",
    }
)


def _whole_seconds(seconds: float) -> str:
    """A wait as a message shows it: whole seconds, rounded up (an HTTP date leaves a fraction
    of a second), unless it is under one."""
    if seconds >= 1:
        import math

        return str(math.ceil(seconds))
    return f"{seconds:g}"


def one_line(text: str, *keys: str | None) -> str:
    """``text`` redacted, on one line, cut to a readable length."""
    text = " ".join(redact(text, *keys).split())
    if len(text) > _MAX_DETAIL_CHARS:
        text = text[: _MAX_DETAIL_CHARS - 1].rstrip() + "…"
    return text


def _lower_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]] | None) -> dict[str, str]:
    if headers is None:
        return {}
    items = headers.items() if isinstance(headers, Mapping) else headers
    return {str(name).lower(): str(value) for name, value in items}


def error_from_response(
    descriptor: ProviderDescriptor,
    model: str | None,
    *,
    status: int | None,
    body: object,
    headers: Mapping[str, str] | None = None,
    api_key: str | None = None,
    endpoint: str | None = None,
) -> ProviderError:
    """The error for a failed response (``status`` set) or an error the server sent mid-stream.

    ``api_key`` is only used to scrub the key from whatever the server echoed back;
    ``endpoint``, when given, says where the response came from (``OpenAI at http://…``).
    """
    parsed = parse_error_body(body)
    effective_status = status if status is not None else parsed.status
    header_map = _lower_headers(headers)
    name = (
        descriptor.display_name if endpoint is None else f"{descriptor.display_name} at {endpoint}"
    )
    detail = one_line(parsed.message or " ".join(parsed.labels) or "", api_key)
    where = f" (HTTP {effective_status})" if effective_status is not None else ""
    suffix = f": {detail}" if detail else ""
    labels = set(parsed.labels)
    provider_id = descriptor.id

    searchable = " ".join(filter(None, (parsed.message, *parsed.labels)))
    if matches_context_limit(searchable, descriptor.context_limit_patterns):
        subject = f"{descriptor.id}{MODEL_ID_SEPARATOR}{model}" if model else name
        return ContextLimitError(
            f"the conversation is too long for {subject}'s context window{suffix}",
            provider_id=provider_id,
            status_code=effective_status,
        )
    if effective_status in (401, 403) or labels & _AUTH_TYPES:
        if descriptor.api_key is None:
            # A keyless provider (a local server) sent no key to refuse: the server, or a
            # proxy before it, wants credentials the runtime was not set up to send.
            message = (
                f"{name} refused the request{where}{suffix.rstrip('.')}. It asks for "
                f"authentication, which {descriptor.display_name} is not set up to send; "
                "check the server's settings or the base URL."
            )
        else:
            message = (
                f"{name} refused the API key{where}{suffix.rstrip('.')}. "
                f"Check the key in {descriptor.api_key.env}."
            )
        return AuthenticationError(message, provider_id=provider_id, status_code=effective_status)
    if effective_status == 429 or labels & _RATE_LIMIT_TYPES:
        retry_after = retry_after_seconds(header_map)
        if retry_after is None:
            retry_after = parsed.retry_after
        wait = f"; retry after {_whole_seconds(retry_after)}s" if retry_after is not None else ""
        return RateLimitError(
            f"{name} is rate limiting requests{where}{suffix.rstrip('.')}{wait}",
            retry_after=retry_after,
            provider_id=provider_id,
            status_code=effective_status,
        )
    if effective_status is not None and 300 <= effective_status < 400:
        location = one_line(header_map.get("location", ""), api_key)
        target = f" to {location}" if location else ""
        return ConfigError(
            f"{name} answered with a redirect{target}{where}; check the base URL",
            provider_id=provider_id,
            status_code=effective_status,
        )
    if (
        effective_status is not None and (effective_status >= 500 or effective_status == 408)
    ) or labels & _UNAVAILABLE_TYPES:
        return ProviderUnavailableError(
            f"{name} is unavailable{where}{suffix}",
            provider_id=provider_id,
            status_code=effective_status,
        )
    if (effective_status is not None and effective_status >= 400) or labels & _BAD_REQUEST_TYPES:
        return BadRequestError(
            f"{name} refused the request{where}{suffix}",
            provider_id=provider_id,
            status_code=effective_status,
        )
    # An error event mid-stream with nothing to classify it by: the server gave up.
    return ProviderUnavailableError(
        f"{name} reported an error during the reply{suffix}",
        provider_id=provider_id,
        status_code=effective_status,
    )


def _transport_description(error: BaseException) -> str:
    """A phrase for a transport failure, from its class names (httpx and httpx2 alike)."""
    seen: BaseException | None = error
    names: list[str] = []
    for _ in range(8):  # the SDK wraps the transport's error, which wraps the socket's
        if seen is None:
            break
        names.extend(cls.__name__ for cls in type(seen).__mro__)
        seen = seen.__cause__ or seen.__context__
    if any("Timeout" in name for name in names):
        return "timed out"
    if "ConnectError" in names or "ConnectionRefusedError" in names:
        return "could not connect"
    if any(
        name in names
        for name in ("RemoteProtocolError", "ReadError", "ConnectionResetError", "BrokenPipeError")
    ):
        return "the connection dropped before the reply finished"
    return "the connection failed"


def error_from_transport(
    descriptor: ProviderDescriptor, base_url: str, error: BaseException
) -> ProviderUnavailableError:
    """The error for a request that never got (or lost) its response."""
    from urllib.parse import urlsplit

    host = urlsplit(base_url).netloc.rpartition("@")[2] or base_url
    return ProviderUnavailableError(
        f"{descriptor.display_name} at {host}: {_transport_description(error)}",
        provider_id=descriptor.id,
    )


def idle_stream_error(descriptor: ProviderDescriptor, seconds: float) -> ProviderUnavailableError:
    """The error for a stream that sent no part of the reply for ``seconds`` (keep-alive pings
    aside)."""
    return ProviderUnavailableError(
        f"{descriptor.display_name} timed out: nothing of the reply came for {seconds:g}s "
        "(keep-alive pings do not count)",
        provider_id=descriptor.id,
    )


def unanswered_error(descriptor: ProviderDescriptor, seconds: float) -> ProviderUnavailableError:
    """The error for a server whose reply had not begun (status line and headers) in time."""
    return ProviderUnavailableError(
        f"{descriptor.display_name} timed out: no reply within {seconds:g}s "
        "(connecting, sending the request and receiving the response headers)",
        provider_id=descriptor.id,
    )


def max_time_error(descriptor: ProviderDescriptor, seconds: float) -> ProviderUnavailableError:
    """The error for a reply still streaming when its overall deadline passed."""
    return ProviderUnavailableError(
        f"{descriptor.display_name} timed out: the reply was still coming after {seconds:g}s "
        "(the limit on a whole reply)",
        provider_id=descriptor.id,
    )


def not_utf8_error(descriptor: ProviderDescriptor) -> ProviderUnavailableError:
    """The error for a reply stream that is not UTF-8 text (every wire format alike)."""
    return ProviderUnavailableError(
        f"{descriptor.display_name} sent a reply that is not valid UTF-8; stopped reading",
        provider_id=descriptor.id,
    )


def truncated_stream_error(descriptor: ProviderDescriptor) -> ProviderUnavailableError:
    """The error for a stream that ended without the provider saying the reply was complete."""
    return ProviderUnavailableError(
        f"{descriptor.display_name} ended the stream before the reply was complete",
        provider_id=descriptor.id,
    )


def malformed_stream_error(
    descriptor: ProviderDescriptor, error: BaseException | None
) -> ProviderUnavailableError:
    """The error for a reply that is not a readable event stream (not SSE, not JSON, or JSON
    of the wrong shape); ``error`` is what failed to read it, if anything raised."""
    reason = f" ({type(error).__name__})" if error is not None else ""
    return ProviderUnavailableError(
        f"{descriptor.display_name} sent a reply that is not a readable event stream{reason}; "
        "check the base URL",
        provider_id=descriptor.id,
    )


def oversized_event_error(descriptor: ProviderDescriptor, limit: int) -> ProviderUnavailableError:
    """The error for a server that sent more than ``limit`` bytes without ending an event, or
    an event of more JSON values than any reply holds."""
    size = f"{limit / (1024 * 1024):g} MiB" if limit >= 1024 * 1024 else f"{limit} bytes"
    return ProviderUnavailableError(
        f"{descriptor.display_name} sent an event past the limits ({size}, or"
        f" {MAX_EVENT_VALUES:,} JSON values); stopped reading",
        provider_id=descriptor.id,
    )
