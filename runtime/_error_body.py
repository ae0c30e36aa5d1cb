"""Reading what a failed response says: its body (bounded, decoded, salvaged when cut short)
and how long it asks the client to wait.

The body shapes understood:

- OpenAI and most compatible servers: ``{"error": {"message", "type", "code", "param"}}``
- Anthropic: ``{"type": "error", "error": {"type": "rate_limit_error", "message"}}``
- Gemini: ``{"error": {"code": 429, "status": "RESOURCE_EXHAUSTED", "message", "details"}}``
  (sometimes wrapped in a one-element list)
- others: ``{"message": …}``, ``{"detail": …}``, ``{"error": "text"}``, or plain text.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import UTC
from typing import Protocol

__all__ = [
    "MAX_ERROR_BODY_BYTES",
    "ErrorBody",
    "parse_error_body",
    "read_error_body",
    "retry_after_seconds",
]

# An error body larger than this is cut: enough for any real error message.
MAX_ERROR_BODY_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class ErrorBody:
    """What an error body says, as far as it can be read."""

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


def parse_error_body(body: object) -> ErrorBody:
    body = _decoded(body)
    if isinstance(body, str):
        return ErrorBody(message=_as_text(body), labels=(), status=None, retry_after=None)
    if not isinstance(body, Mapping):
        return ErrorBody(message=None, labels=(), status=None, retry_after=None)

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
    return ErrorBody(
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


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """The wait a response asks for in ``Retry-After-Ms`` or ``Retry-After`` (seconds or an
    HTTP date), in seconds; ``headers`` has lower-case names."""
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
