"""Long replies for measuring per-chunk cost: ``long-<chunks>`` in every wire format.

Each body is built once per (format, length) and sent in pieces of :data:`PIECE_BYTES`, as a
real server flushes a few dozen events at a time, so that serving it costs next to nothing
next to the client reading it (the benchmarks measure the client).
"""

from __future__ import annotations

import functools
import json
from typing import Any

from tests.loopback.replies import Format

PIECE_BYTES = 4096


def _sse(data: dict[str, Any], event: str | None = None) -> bytes:
    prefix = f"event: {event}\n".encode() if event else b""
    return prefix + b"data: " + json.dumps(data, separators=(",", ":")).encode() + b"\n\n"


def openai_stream_body(chunks: int) -> bytes:
    """A chat-completions SSE reply of exactly ``chunks`` data chunks (role, text pieces, the
    finish, a usage chunk) and the ``[DONE]`` sentinel, as OpenAI sends it."""

    def event(choices: list[dict[str, Any]], usage: dict[str, int] | None = None) -> bytes:
        chunk: dict[str, Any] = {
            "id": "chatcmpl-bench",
            "object": "chat.completion.chunk",
            "created": 1700000000,
            "model": "gpt-4o-2024-08-06",
            "system_fingerprint": "fp_bench",
            "choices": choices,
        }
        if usage is not None:
            chunk["usage"] = usage
        return _sse(chunk)

    def choice(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}

    text_chunks = chunks - 3
    events = [event([choice({"role": "assistant", "content": ""})])]
    events += [event([choice({"content": f"word{i} "})]) for i in range(text_chunks)]
    events.append(event([choice({}, "stop")]))
    events.append(
        event(
            [],
            {"prompt_tokens": 9, "completion_tokens": text_chunks, "total_tokens": text_chunks + 9},
        )
    )
    events.append(b"data: [DONE]\n\n")
    return b"".join(events)


def anthropic_stream_body(chunks: int) -> bytes:
    """A Messages SSE reply of exactly ``chunks`` events: message_start, a text block of
    ``chunks - 5`` text deltas, message_delta and message_stop, as Anthropic sends it."""
    text_chunks = chunks - 5
    message: dict[str, Any] = {
        "id": "msg_bench",
        "type": "message",
        "role": "assistant",
        "content": [],
        "model": "claude-sonnet-4-5",
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": 9, "output_tokens": 1},
    }
    events = [
        _sse({"type": "message_start", "message": message}, "message_start"),
        _sse(
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "text", "text": ""},
            },
            "content_block_start",
        ),
    ]
    events += [
        _sse(
            {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "text_delta", "text": f"word{i} "},
            },
            "content_block_delta",
        )
        for i in range(text_chunks)
    ]
    events += [
        _sse({"type": "content_block_stop", "index": 0}, "content_block_stop"),
        _sse(
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                "usage": {"output_tokens": text_chunks},
            },
            "message_delta",
        ),
        _sse({"type": "message_stop"}, "message_stop"),
    ]
    return b"".join(events)


def gemini_stream_body(chunks: int) -> bytes:
    """A streamGenerateContent SSE reply of exactly ``chunks`` GenerateContentResponse events,
    each with one text part and the usage so far, the last with finishReason STOP."""

    def event(i: int) -> bytes:
        candidate: dict[str, Any] = {
            "content": {"parts": [{"text": f"word{i} "}], "role": "model"},
            "index": 0,
        }
        usage: dict[str, Any] = {"promptTokenCount": 9, "totalTokenCount": 9}
        if i == chunks - 1:
            candidate["finishReason"] = "STOP"
            usage = {
                "promptTokenCount": 9,
                "candidatesTokenCount": chunks,
                "totalTokenCount": chunks + 9,
            }
        return _sse(
            {
                "candidates": [candidate],
                "usageMetadata": usage,
                "modelVersion": "gemini-2.5-flash",
                "responseId": "bench",
            }
        )

    return b"".join(event(i) for i in range(chunks))


_BUILDERS = {
    "openai": openai_stream_body,
    "anthropic": anthropic_stream_body,
    "gemini": gemini_stream_body,
}


@functools.lru_cache(maxsize=8)
def long_stream_body(wire_format: Format, chunks: int) -> bytes:
    """The whole event stream of a ``chunks``-event reply in ``wire_format``."""
    return _BUILDERS[wire_format](chunks)
