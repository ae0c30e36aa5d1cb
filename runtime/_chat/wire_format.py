"""What a wire format supplies to the streaming loop of :class:`~runtime.ChatProvider`: a
transport (:class:`PayloadStream`) and a translator (:class:`StreamTranslator`), and the faults
they report (:class:`StreamFault`).

A transport sends one request and reads the reply's payloads; it is the only part that does
I/O. A translator turns one stream's payloads (decoded JSON, or the SDK's chunk objects) into
:data:`~runtime.StreamEvent` values. It does no I/O and knows nothing of providers, keys or
transports: it holds the state of one reply (open tool calls, usage, finish reason) and says
what is wrong with a payload by raising a :class:`StreamFault`. The streaming loop in
:class:`~runtime.ChatProvider` turns those into the runtime's errors, so each fault needs only
the facts (an error body, the exception that failed a read), never a descriptor.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Protocol, TypeVar

from llm_registry.runtime._chat.events import StreamEvent

__all__ = [
    "SHAPE_ERRORS",
    "IncompleteStream",
    "MalformedPayload",
    "PayloadStream",
    "ServerReportedError",
    "StreamFault",
    "StreamTranslator",
]

P_contra = TypeVar("P_contra", contravariant=True)

# What reading JSON of the wrong shape raises ("choices": null, a list for an object, a
# missing key).
SHAPE_ERRORS = (KeyError, TypeError, AttributeError)


class PayloadStream(Protocol):
    """One request's transport: sends it, then reads the reply's payloads."""

    async def start(self) -> AsyncIterator[Any]:
        """Send the request; the reply's payloads, once the server accepted it."""
        ...

    async def aclose(self) -> None:
        """Release the connection (whether or not the reply was read to its end)."""
        ...


class StreamTranslator(Protocol[P_contra]):
    """One reply's payloads in, typed events out."""

    @property
    def done(self) -> bool:
        """Whether the provider said the reply is complete (reading may stop here)."""
        ...

    def feed(self, payload: P_contra) -> list[StreamEvent]:
        """The events one payload carries, in order (often none)."""
        ...

    def finish(self) -> list[StreamEvent]:
        """The closing events once the stream has ended (usage, then :class:`Finish`); raises
        :class:`IncompleteStream` when the provider never said the reply was complete."""
        ...


class StreamFault(Exception):
    """Something the stream said (or failed to say) that ends the reply."""


class ServerReportedError(StreamFault):
    """The server reported an error: an error response, or an error event mid-stream."""

    def __init__(
        self,
        body: object,
        *,
        status: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__("the server reported an error")
        self.body = body
        self.status = status
        self.headers = headers


class MalformedPayload(StreamFault):
    """A payload that cannot be read: not JSON, or JSON of the wrong shape."""

    def __init__(self, cause: BaseException | None) -> None:
        super().__init__(f"unreadable payload ({type(cause).__name__})")
        self.cause = cause


class IncompleteStream(StreamFault):
    """The stream ended before the provider said the reply was complete."""

    def __init__(self) -> None:
        super().__init__("the stream ended before the reply was complete")
