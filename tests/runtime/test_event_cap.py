"""The cap on one server-sent event counts only the event being received: a long stream of
ordinary events never reaches it, however the network splits them."""

from __future__ import annotations

import pytest

from llm_registry.runtime._chat.event_cap import EventSizeGuard

LIMIT = 100


def _feed(chunks: list[bytes]) -> bool:
    guard = EventSizeGuard(LIMIT)
    return any(guard.over(chunk) for chunk in chunks)


@pytest.mark.parametrize("newline", [b"\n", b"\r\n", b"\r"])
def test_a_long_stream_of_short_events_never_reaches_the_cap(newline: bytes) -> None:
    event = b"data: " + b"x" * 60 + newline + newline
    stream = event * 1000
    assert not _feed([stream])
    assert not _feed([event] * 1000)
    # Split at every line ending, so that the blank line arrives as a chunk of its own.
    lines = [b"data: " + b"x" * 60 + newline, newline] * 1000
    assert not _feed(lines)
    # Split inside the line endings, and byte by byte.
    assert not _feed([stream[i : i + 7] for i in range(0, len(stream), 7)])
    assert not _feed([stream[i : i + 1] for i in range(0, 5 * len(event))])


@pytest.mark.parametrize(
    "chunks",
    [
        [b"data: " + b"x" * 200],
        [b"data: "] + [b"x" * 10] * 20,
        [b"data: x\n"] * 20,  # many lines, no blank line: still one event
        [b"data: a\n\n", b"data: " + b"y" * 60, b"y" * 60],
        [b"data: a\r\n", b"data: " + b"y" * 60, b"\r\n", b"y" * 60],  # CRLF, then no blank line
    ],
)
def test_one_event_past_the_cap_is_caught(chunks: list[bytes]) -> None:
    assert _feed(chunks)
