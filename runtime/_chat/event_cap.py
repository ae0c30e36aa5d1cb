"""A cap on the size of one server-sent event, applied under the SSE decoders.

Neither the openai SDK's decoder nor httpx-sse bounds a line or an event: a server that sends
bytes without ever ending an event (a newline-less line, or ``data:`` lines without the blank
line that ends an event) would grow their buffers without limit. The cap wraps the response's
byte stream and counts the bytes since the last event boundary (a blank line: ``\\n\\n``,
``\\r\\r``, ``\\r\\n\\r\\n``), raising the error it is given once they pass the limit. The
count is per network chunk (a few C-speed searches), not per byte.

httpx and httpx2 each insist on a stream of their own ``AsyncByteStream`` class, so each gets a
small subclass, defined on first use so that importing this module imports neither.
"""

from __future__ import annotations

import codecs
import functools
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING

from llm_registry.runtime._encoding import compression, json_values_bound
from llm_registry.runtime._error_body import MAX_ERROR_BODY_BYTES
from llm_registry.runtime._errors import ProviderError

if TYPE_CHECKING:
    import httpx
    import httpx2

__all__ = ["MAX_EVENT_BYTES", "EventSizeGuard", "capped_httpx2_stream", "capped_httpx_stream"]

MAX_EVENT_BYTES = 8 * 1024 * 1024
"""The largest server-sent event a stream accepts; real events are a few kB at most."""

_CR, _LF = 13, 10


MAX_EVENT_VALUES = 200_000
"""The most JSON values (counted by their separators) one event may hold: parsed, each costs
tens of bytes, so 8 MiB of ``[{},{},…]`` would take hundreds of MB; real events hold dozens."""


class EventSizeGuard:
    """Counts the bytes of the event being received (those since the last blank line), and an
    upper bound on the JSON values in it."""

    __slots__ = ("_last", "_limit", "_max_values", "_pending", "_values")

    def __init__(self, limit: int, max_values: int = MAX_EVENT_VALUES) -> None:
        self._limit = limit
        self._max_values = max_values
        self._pending = 0
        self._values = 0
        self._last = 0  # the previous chunk's last byte

    def over(self, chunk: bytes) -> bool:
        """Add ``chunk``; whether the event being received is now over a limit."""
        if not chunk:
            return False
        # A blank line is a line ending followed by another: "\n\n", "\r\r", or "\n\r"
        # (which covers "\r\n\r\n" and "\n\r\n").
        # Most streams end their lines with "\n" alone: then one search, not three.
        if b"\r" in chunk:
            end = max(chunk.rfind(b"\n\n"), chunk.rfind(b"\r\r"), chunk.rfind(b"\n\r"))
        else:
            end = chunk.rfind(b"\n\n")
        if end >= 0:
            # The events that end in this chunk are checked whole (several small ones count
            # together, which only errs on the safe side); the next one starts after the end.
            # Their values are counted only when their bytes could be too many values: each
            # value takes a byte at least.
            if (
                self._values + end > self._max_values
                and self._values + json_values_bound(chunk, 0, end) > self._max_values
            ):
                return True
            self._values = json_values_bound(chunk, end + 2)
        else:
            self._values += json_values_bound(chunk)
        if self._values > self._max_values:
            return True
        first = chunk[0]
        if end >= 0:
            self._pending = len(chunk) - end - 2
        elif (
            self._last in (_CR, _LF)
            and first in (_CR, _LF)
            and not (self._last == _CR and first == _LF)  # "\r" + "\n" is one line ending
        ):
            self._pending = len(chunk) - 1  # the blank line straddles the two chunks
        else:
            self._pending += len(chunk)
        self._last = chunk[-1]
        return self._pending > self._limit


class _Utf8Check:
    """Whether the bytes so far are UTF-8 (a sequence may be cut between two chunks)."""

    __slots__ = ("_cut", "_decoder")

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._cut = False  # whether the last chunk ended inside a sequence

    def valid(self, chunk: bytes) -> bool:
        # An ASCII chunk (nearly every chunk of a reply) is UTF-8 as it is, unless it follows a
        # cut sequence: only the others are decoded, which also spares building a str.
        if not self._cut and chunk.isascii():
            return True
        try:
            self._decoder.decode(chunk)
        except UnicodeDecodeError:
            return False
        self._cut = bool(self._decoder.getstate()[0])
        return True


class _CappedEvents:
    """The wrapping byte stream, less the transport's base class.

    A compressed body is refused before its first byte is read: the cap counts bytes as they
    arrive, which for a compressed body is not what the decoder puts in memory.
    """

    def __init__(
        self,
        inner: httpx.AsyncByteStream | httpx2.AsyncByteStream,
        limit: int,
        error: Callable[[], ProviderError],
        refusal: ProviderError | None = None,
        not_utf8: ProviderError | None = None,
        body_limit: int | None = None,
    ) -> None:
        self._inner = inner
        self._limit = limit
        self._error = error
        self._refusal = refusal
        self._not_utf8 = not_utf8
        self._body_limit = body_limit

    async def __aiter__(self) -> AsyncIterator[bytes]:
        if self._refusal is not None:
            raise self._refusal
        guard = EventSizeGuard(self._limit)
        # An event stream is UTF-8; the decoders would silently replace what is not (or fail
        # in their own words, depending on the wire format), so every format stops here alike.
        utf8 = _Utf8Check() if self._not_utf8 is not None else None
        chunks = self._inner.__aiter__()
        left = self._body_limit
        try:
            async for chunk in chunks:
                if left is not None:
                    # An error body: its first bytes say what went wrong; the rest is not read.
                    yield chunk[:left]
                    left -= len(chunk)
                    if left <= 0:
                        return
                    continue
                if guard.over(chunk):
                    raise self._error()
                if utf8 is not None and not utf8.valid(chunk):
                    utf8 = None
                if utf8 is None and self._not_utf8 is not None:
                    raise self._not_utf8
                yield chunk
        finally:
            close = getattr(chunks, "aclose", None)
            if close is not None:
                await close()

    async def aclose(self) -> None:
        await self._inner.aclose()


@functools.cache
def _httpx_type() -> Callable[
    [
        httpx.AsyncByteStream,
        int,
        Callable[[], ProviderError],
        ProviderError | None,
        ProviderError | None,
        int | None,
    ],
    httpx.AsyncByteStream,
]:
    import httpx

    class CappedHttpxStream(_CappedEvents, httpx.AsyncByteStream):
        pass

    return CappedHttpxStream


@functools.cache
def _httpx2_type() -> Callable[
    [
        httpx2.AsyncByteStream,
        int,
        Callable[[], ProviderError],
        ProviderError | None,
        ProviderError | None,
        int | None,
    ],
    httpx2.AsyncByteStream,
]:
    import httpx2

    class CappedHttpx2Stream(_CappedEvents, httpx2.AsyncByteStream):
        pass

    return CappedHttpx2Stream


def capped_httpx_stream(
    response: httpx.Response,
    limit: int,
    error: Callable[[], ProviderError],
    refused: Callable[[str], ProviderError],
    not_utf8: ProviderError,
) -> None:
    """Make an httpx response's body raise ``error()`` once one event passes ``limit`` bytes,
    ``refused(coding)`` before anything is read when the body is compressed, and ``not_utf8``
    at the first byte of a successful reply that is not UTF-8."""
    import httpx

    if isinstance(response.stream, httpx.AsyncByteStream):
        coding = compression(response.headers)
        refusal = None if coding is None else refused(coding)
        checked = not_utf8 if response.is_success else None
        response.stream = _httpx_type()(response.stream, limit, error, refusal, checked, None)


def capped_httpx2_stream(
    response: httpx2.Response,
    limit: int,
    error: Callable[[], ProviderError],
    refused: Callable[[str], ProviderError],
    not_utf8: ProviderError,
) -> None:
    """The same for an httpx2 response (the openai SDK's transport)."""
    import httpx2

    if isinstance(response.stream, httpx2.AsyncByteStream):
        coding = compression(response.headers)
        refusal = None if coding is None else refused(coding)
        checked = not_utf8 if response.is_success else None
        # The SDK reads an error body whole before the runtime sees it: only its start is kept.
        body_limit = None if response.is_success else MAX_ERROR_BODY_BYTES
        response.stream = _httpx2_type()(
            response.stream, limit, error, refusal, checked, body_limit
        )
