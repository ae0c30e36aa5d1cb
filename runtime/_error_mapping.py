"""From an HTTP status, headers and body (or a transport failure) to the error hierarchy.

One function serves all three wire formats and model discovery, so the same failure gives the
same error whatever carried it. The body shapes understood:

- OpenAI and most compatible servers: ``{"error": {"message", "type", "code", "param"}}``
- Anthropic: ``{"type": "error", "error": {"type": "rate_limit_error", "message"}}``
- Gemini: ``{"error": {"code": 429, "status": "RESOURCE_EXHAUSTED", "message", "details"}}``
  (sometimes wrapped in a one-element list)
- others: ``{"message": …}``, ``{"detail": …}``, ``{"error": "text"}``, or plain text.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC
from typing import TYPE_CHECKING, Protocol

from llm_registry.runtime._context import matches_context_limit
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

if TYPE_CHECKING:
    from llm_registry.runtime._descriptor import ProviderDescriptor

__all__ = [
    "MAX_ERROR_BODY_BYTES",
    "error_from_response",
    "error_from_transport",
    "idle_stream_error",
    "malformed_stream_error",
    "max_time_error",
    "one_line",
    "oversized_event_error",
    "read_error_body",
    "truncated_stream_error",
    "unanswered_error",
]

# Server text quoted in a message is cut here: one readable line, not a page of HTML.
_MAX_DETAIL_CHARS = 300

# An error body larger than this is cut: enough for any real error message.
MAX_ERROR_BODY_BYTES = 64 * 1024

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


@dataclass(frozen=True, slots=True)
class _ErrorBody:
    message: str | None
    labels: tuple[str, ...]  # type / code / status words, lower-case
    status: int | None  # a status the body itself states (Gemini's error.code)
    retry_after: float | None  # Gemini's RetryInfo.retryDelay


def _as_text(value: object) -> str | None:
    if isinstance(value, str) and value.strip():
        return value
    return None


def _seconds(text: str) -> float | None:
    text = text.strip().removesuffix("s")
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value >= 0 and value == value and value != float("inf") else None


def _decoded(body: object) -> object:
    """The body as JSON when it is JSON (or JSON cut short: what it still says), its first
    element when it is a list, else as text."""
    if isinstance(body, bytes | bytearray):
        body = bytes(body).decode("utf-8", errors="replace")
    if isinstance(body, str):
        stripped = body.strip()
        if stripped[:1] in ("{", "["):
            import json

            try:
                body = json.loads(stripped)
            except RecursionError:  # nested deeper than the parser recurses
                pass
            except ValueError:  # not JSON, or JSON cut short (a body past what is read)
                body = _salvaged(stripped) or body
    if isinstance(body, list) and body:
        body = body[0]
    return body


def _parse_body(body: object) -> _ErrorBody:
    body = _decoded(body)
    if isinstance(body, str):
        return _ErrorBody(message=_as_text(body), labels=(), status=None, retry_after=None)
    if not isinstance(body, Mapping):
        return _ErrorBody(message=None, labels=(), status=None, retry_after=None)

    inner: Mapping[str, object] = body
    nested = body.get("error")
    if isinstance(nested, Mapping):
        inner = nested
    message = (
        _as_text(inner.get("message"))
        or _as_text(nested)
        or _as_text(body.get("message"))
        or _as_text(body.get("detail"))
        or _as_text(inner.get("error_description"))
    )
    labels, status = _labels_and_status(inner)
    detail_labels, retry_after = _details(inner.get("details"))
    return _ErrorBody(
        message=message, labels=labels + detail_labels, status=status, retry_after=retry_after
    )


def _labels_and_status(error: Mapping[str, object]) -> tuple[tuple[str, ...], int | None]:
    """The type / code / status words of an error object, and an HTTP status it states."""
    labels: list[str] = []
    status: int | None = None
    for field in ("type", "code", "status"):
        value = error.get(field)
        if isinstance(value, str) and value:
            labels.append(value.lower())
        elif isinstance(value, int) and not isinstance(value, bool) and 100 <= value <= 599:
            status = value
    return tuple(labels), status


def _details(details: object) -> tuple[tuple[str, ...], float | None]:
    """What Gemini's ``error.details`` add: reasons (e.g. API_KEY_INVALID) and RetryInfo."""
    labels: list[str] = []
    retry_after = None
    if not isinstance(details, list):
        return (), None
    for detail in details:
        if not isinstance(detail, Mapping):
            continue
        if isinstance(detail.get("retryDelay"), str):
            retry_after = _seconds(str(detail["retryDelay"]))
        if isinstance(detail.get("reason"), str):
            labels.append(str(detail["reason"]).lower())
    return tuple(labels), retry_after


_MESSAGE_START = re.compile(r'(?<!\\)"message"\s*:\s*"')
_LABEL = re.compile(
    r'(?<!\\)"(type|code|status|reason)"\s*:\s*(?:"([A-Za-z0-9_.\-]{1,64})"|(\d{3})\b)'
)


def _salvaged(text: str) -> dict[str, object] | None:
    """What a JSON error body that does not parse (cut short, most likely) still says: its
    first ``"message"`` string, as far as it goes, and the type/code/status words around it.
    None when it has no message to offer."""
    import json

    start = _MESSAGE_START.search(text)
    if start is None:
        return None
    try:
        # From the string's opening quote: it decodes that one string and says where it ends.
        message, end = json.JSONDecoder().raw_decode(text, start.end() - 1)
    except ValueError:  # the string itself was cut: decode what there is of it
        raw, end = text[start.end() :], len(text)
        message = ""
        for cut in range(len(raw), max(len(raw) - 6, 0) - 1, -1):  # a cut \uXXXX is ≤ 6 chars
            try:
                message = json.loads(f'"{raw[:cut]}"')
                break
            except ValueError:
                continue
    found: dict[str, object] = {"message": message}
    for match in _LABEL.finditer(text[: start.start()] + " " + text[end:]):
        name, word, number = match.groups()
        if name not in found and not (name == "type" and word == "error"):
            found[name] = int(number) if number else word
    reason = found.pop("reason", None)
    if reason is not None:
        found["details"] = [{"reason": reason}]
    return {"error": found}


def _retry_after(headers: Mapping[str, str]) -> float | None:
    milliseconds = headers.get("retry-after-ms")
    if milliseconds:
        seconds = _seconds(milliseconds)
        if seconds is not None:
            return seconds / 1000
    value = headers.get("retry-after")
    if not value:
        return None
    seconds = _seconds(value)
    if seconds is not None:
        return seconds
    from datetime import datetime
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


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


class _StreamedResponse(Protocol):
    @property
    def headers(self) -> Mapping[str, str]: ...

    def aiter_bytes(self) -> AsyncIterator[bytes]: ...


async def read_error_body(response: _StreamedResponse) -> bytes:
    """The first :data:`MAX_ERROR_BODY_BYTES` of a streamed (httpx) response's body; nothing of
    a compressed one, which is never expanded (see llm_registry.runtime._encoding)."""
    from llm_registry.runtime._encoding import compression

    if compression(response.headers) is not None:
        return b""
    raw = bytearray()
    async for piece in response.aiter_bytes():
        raw.extend(piece)
        if len(raw) >= MAX_ERROR_BODY_BYTES:
            break
    return bytes(raw[:MAX_ERROR_BODY_BYTES])


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
    parsed = _parse_body(body)
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
        subject = f"{descriptor.id}::{model}" if model else name
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
        retry_after = _retry_after(header_map)
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
    """The error for a server that sent more than ``limit`` bytes without ending an event."""
    size = f"{limit / (1024 * 1024):g} MiB" if limit >= 1024 * 1024 else f"{limit} bytes"
    return ProviderUnavailableError(
        f"{descriptor.display_name} sent more than {size} without ending an event; stopped reading",
        provider_id=descriptor.id,
    )
