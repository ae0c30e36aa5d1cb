"""Loopback servers for the benchmarks, each run in its own process.

A server in the benchmark's own process would share its GIL and bill its work to the client
being measured; in a child process it costs the client nothing but the bytes it reads.

    python -m bench._servers listing --delay 0.2 --models 50
    python -m bench._servers stream --chunks 5000 [--format openai|anthropic|gemini]

print the port on the first stdout line and serve on 127.0.0.1 until stdin closes (the parent
exits or is done) or MAX_LIFETIME passes.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MAX_LIFETIME = 900.0  # seconds: a server left behind by a crashed parent still goes away
HOST = "127.0.0.1"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # 20 providers connect at once; the default backlog of 5 would make some wait for a SYN
    # retry (a second on Linux) and bill that to discovery.
    request_queue_size = 128


class _Quiet(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def send_body(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("content-type", content_type)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def listing_handler(delay: float, models: int) -> type[BaseHTTPRequestHandler]:
    """Answers GET …/models with an OpenAI-shaped listing of ``models`` ids after ``delay`` s;
    the path's first segment (``/p07/v1/models``) names the provider, so each gets its own ids."""

    class Listing(_Quiet):
        def do_GET(self) -> None:
            time.sleep(delay)
            if not self.path.split("?")[0].endswith("/models"):
                self.send_body(404, "application/json", b'{"error": "not found"}')
                return
            prefix = self.path.strip("/").split("/")[0]
            body = json.dumps(
                {
                    "object": "list",
                    "data": [
                        {
                            "id": f"{prefix}-model-{i:03d}",
                            "object": "model",
                            "created": 1700000000,
                            "owned_by": "bench",
                        }
                        for i in range(models)
                    ],
                }
            ).encode()
            self.send_body(200, "application/json", body)

    return Listing


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


# Each wire format: the path suffix it answers, and its reply.
STREAM_FORMATS = {
    "openai": ("/chat/completions", openai_stream_body),
    "anthropic": ("/messages", anthropic_stream_body),
    "gemini": (":streamGenerateContent", gemini_stream_body),
}


def stream_handler(chunks: int, wire_format: str = "openai") -> type[BaseHTTPRequestHandler]:
    """Answers POST …<the format's endpoint> with the same precomputed stream every time, sent
    with chunked transfer encoding in pieces of a few dozen events, as a real server flushes."""
    suffix, build = STREAM_FORMATS[wire_format]
    body = build(chunks)
    piece = 4096

    class Stream(_Quiet):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            self.rfile.read(min(length, 1 << 20))
            if not self.path.split("?")[0].endswith(suffix):
                self.send_body(404, "application/json", b'{"error": "not found"}')
                return
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.send_header("transfer-encoding", "chunked")
            self.end_headers()
            for start in range(0, len(body), piece):
                part = body[start : start + piece]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")

    return Stream


def _serve(handler: type[BaseHTTPRequestHandler]) -> None:
    server = _Server((HOST, 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(server.server_address[1], flush=True)
    # Until the parent closes our stdin (or dies), bounded by MAX_LIFETIME.
    done = threading.Event()

    def wait_for_stdin_to_close() -> None:
        sys.stdin.read()
        done.set()

    threading.Thread(target=wait_for_stdin_to_close, daemon=True).start()
    done.wait(MAX_LIFETIME)
    server.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench._servers")
    kinds = parser.add_subparsers(dest="kind", required=True)
    listing = kinds.add_parser("listing")
    listing.add_argument("--delay", type=float, default=0.2)
    listing.add_argument("--models", type=int, default=50)
    stream = kinds.add_parser("stream")
    stream.add_argument("--chunks", type=int, default=5000)
    stream.add_argument("--format", choices=sorted(STREAM_FORMATS), default="openai")
    args = parser.parse_args()
    if args.kind == "listing":
        _serve(listing_handler(args.delay, args.models))
    else:
        _serve(stream_handler(args.chunks, args.format))


@contextmanager
def server_process(*args: str) -> Iterator[str]:
    """Start ``python -m bench._servers args…``; yields its base URL ``http://127.0.0.1:PORT``."""
    from bench._measure import PROJECT_ROOT, PYTHON

    process = subprocess.Popen(
        [PYTHON, "-m", "bench._servers", *args],
        cwd=PROJECT_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        port = process.stdout.readline().strip()
        if not port.isdigit():
            raise RuntimeError(f"benchmark server did not start (printed {port!r})")
        yield f"http://{HOST}:{port}"
    finally:
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


if __name__ == "__main__":
    main()
