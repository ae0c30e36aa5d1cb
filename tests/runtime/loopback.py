"""A real HTTP server on loopback that speaks three LLM streaming formats, well or badly.

The standard library's ThreadingHTTPServer (HTTP/1.1, chunked responses) in a daemon thread.
The wire format is recognised from the path a client posts to, the behaviour from the first
path segment, so one server answers every test and a base URL says it all::

    with LoopbackLLMServer() as server:
        base_url = server.base_url("ok", "openai")   # http://127.0.0.1:PORT/ok/v1
        ...                                           # POST …/ok/v1/chat/completions
        server.requests[-1].json                      # what the client sent

Formats: ``openai`` (``POST {base}/chat/completions``), ``anthropic`` (``POST {base}/messages``),
``gemini`` (``POST {base}/models/{model}:streamGenerateContent?alt=sse``).

Scenarios (the first path segment):

- ``ok``: the reply :data:`REPLY_PIECES` in several chunks, with usage and a normal finish
- ``tool``: a tool call ``get_weather({"city": "Paris"})`` split over chunks
- ``tool-noindex`` (OpenAI format only): two tool calls whose deltas carry no ``index``, as some
  OpenAI-compatible servers send them: ``a`` = ``first({})`` and ``b`` = ``second({"n": 2})``
- ``reasoning``: reasoning deltas, then the reply
- ``midstream-error``: two chunks, then the format's own error event (an overloaded server)
- ``midstream-overflow``: two chunks, then an error event saying the context overflowed
- ``drop``: two chunks, then the connection is cut (no terminating chunk)
- ``truncated``: two chunks, then a clean end of body with no finish
- ``garbage``: an event stream whose data is not JSON
- ``deep``: an event stream whose data is JSON nested :data:`DEEP_NESTING` levels deep
- ``deep-error``: 400 with a body nested deeper than any JSON parser recurses
- ``not-sse``: 200 with an HTML page
- ``401``: the format's authentication error, echoing the key it received (as careless
  servers do) so tests can check the key never comes back out
- ``401-upper``, ``401-cut``, ``401-quoted``: the same, echoing the key upper-cased, less its
  last character, or percent-encoded (:data:`KEY_ECHOES`)
- ``bad-key-400``: Gemini's real answer to a wrong key (400 ``API_KEY_INVALID``)
- ``429``: the format's rate-limit error, with ``Retry-After: 7``
- ``500``: the format's internal error
- ``overflow``: 400 with the format's own context-overflow wording
- ``long-error``: 400 with the format's own error body around :data:`LONG_ERROR_MESSAGE`,
  longer than the runtime reads of an error body
- ``overflow-500``: a llama.cpp-style overflow message carried by a 500
- ``overflow-moonshot``: Moonshot AI's overflow wording (400)
- ``redirect``: 307 to another path
- ``long``: :data:`LONG_REPLY_CHUNKS` one-word chunks (OpenAI format only), for measuring
  per-chunk overhead
- ``stall``: two chunks, then nothing for up to :data:`STALL_SECONDS` (a hung server)
- ``huge-line``: a 200, then :data:`HUGE_EVENT_BYTES` of one ``data:`` line that never ends
- ``huge-event``: a 200, then :data:`HUGE_EVENT_BYTES` of short ``data:`` lines and no blank
  line, so the event never ends
- ``done-then-stall``: the whole reply, then the connection held open for up to
  :data:`STALL_SECONDS` (a proxy that keeps it alive)
- ``pings``: two chunks, then only keep-alive pings every :data:`PING_INTERVAL` for up to
  :data:`STALL_SECONDS` (SSE comments; Anthropic's own ``event: ping`` in that format)
- ``replay-<file>``: a recorded stream of ``tests/runtime/streams/`` as it is, in small chunks
- ``slow-events``: the reply one piece every :data:`SLOW_EVENT_GAP` seconds, pings between,
  then a normal finish: slow overall, never idle for long
"""

from __future__ import annotations

import json
import socket
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qs, quote, urlsplit

Format = Literal["openai", "anthropic", "gemini"]

REPLY_PIECES = ("Hello", " from", " the loopback", " server.")
REPLY = "".join(REPLY_PIECES)
REASONING_PIECES = ("Thinking", " it over.")
TOOL_ARGUMENT_PIECES = ('{"ci', 'ty": "Pa', 'ris"}')
RETRY_AFTER_SECONDS = 7
# Long enough that a loaded machine still reaches the stall; stopping the server releases it.
STALL_SECONDS = 60
PING_INTERVAL = 0.05
SLOW_EVENT_GAP = 0.15
LONG_REPLY_CHUNKS = 5000
DEEP_NESTING = 200_000
HUGE_EVENT_BYTES = 9 * 1024 * 1024  # past the runtime's 8 MiB cap on one event
INPUT_TOKENS = 12
OUTPUT_TOKENS = 7

# replay-<file>: the recorded stream tests/runtime/streams/<file>, byte for byte, in pieces of
# REPLAY_PIECE_BYTES (so that events straddle chunks).
REPLAY_PREFIX = "replay-"
RECORDED_STREAMS = Path(__file__).resolve().parent / "streams"
REPLAY_PIECE_BYTES = 97

LONG_ERROR_MESSAGE = "The request is invalid: " + "much too long " * 6000 + "(end)"

# How the 401-* scenarios echo the key they received.
KEY_ECHOES: dict[str, Callable[[str], str]] = {
    "401": lambda key: key,
    "401-upper": str.upper,
    "401-cut": lambda key: key[:-1],
    "401-quoted": lambda key: quote(key, safe=""),
}

OVERFLOW_MESSAGES: dict[Format, str] = {
    "openai": (
        "This model's maximum context length is 128000 tokens. However, your messages "
        "resulted in 130567 tokens. Please reduce the length of the messages."
    ),
    "anthropic": "prompt is too long: 208310 tokens > 200000 maximum",
    "gemini": (
        "The input token count (1196265) exceeds the maximum number of tokens allowed (1048576)."
    ),
}
LLAMA_CPP_OVERFLOW = "the request exceeds the available context size, try increasing it"
MOONSHOT_OVERFLOW = (
    "Invalid request: Your request exceeded model token limit: 262144 (requested: 291351)"
)


@dataclass(frozen=True)
class Recorded:
    """One request the server received."""

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]  # lower-case names
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class _State:
    requests: list[Recorded] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopping: threading.Event = field(default_factory=threading.Event)


def _format_of(path: str) -> Format | None:
    if path.endswith("/chat/completions"):
        return "openai"
    if path.endswith("/messages"):
        return "anthropic"
    if path.endswith(":streamGenerateContent"):
        return "gemini"
    return None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep the test output clean

    def do_POST(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        recorded = Recorded(
            method="POST",
            path=parts.path,
            query={k: v[-1] for k, v in parse_qs(parts.query).items()},
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        with self.server.state.lock:
            self.server.state.requests.append(recorded)
        scenario = parts.path.strip("/").split("/", 1)[0]
        wire_format = _format_of(parts.path)
        try:
            if wire_format is None:
                self._json(404, {"error": {"message": f"no such endpoint: {parts.path}"}})
            else:
                self._serve(scenario, wire_format, recorded)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client went away

    # Plain responses.

    def _json(self, status: int, payload: object, headers: Mapping[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    # Event streams, chunked.

    def _start_stream(self, content_type: str = "text/event-stream") -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def _event(self, data: object, event: str | None = None) -> None:
        text = data if isinstance(data, str) else json.dumps(data)
        prefix = f"event: {event}\n" if event else ""
        self._chunk(f"{prefix}data: {text}\n\n".encode())

    def _end_stream(self) -> None:
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _cut_connection(self) -> None:
        self.wfile.flush()
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)

    def _pings_for(self, seconds: float, speaker: _Speaker) -> None:
        for _ in range(max(1, round(seconds / PING_INTERVAL))):
            self.server.state.stopping.wait(PING_INTERVAL)
            speaker.ping()

    def _serve(self, scenario: str, wire_format: Format, recorded: Recorded) -> None:
        speaker = _SPEAKERS[wire_format](self, recorded)
        if scenario.startswith(REPLAY_PREFIX):
            self._replay(scenario.removeprefix(REPLAY_PREFIX))
            return
        serve = _SCENARIOS.get(scenario)
        if serve is None or (scenario in _OPENAI_ONLY and wire_format != "openai"):
            self._json(404, {"error": {"message": f"no such scenario: {scenario}"}})
            return
        serve(self, speaker, scenario)

    # The scenarios, one method each (see the module docstring); _SCENARIOS maps the names.

    def _replay(self, name: str) -> None:
        path = RECORDED_STREAMS / name
        if path.parent != RECORDED_STREAMS or not path.is_file():
            self._json(404, {"error": {"message": f"no recorded stream {name}"}})
            return
        self._start_stream()
        data = path.read_bytes()
        for start in range(0, len(data), REPLAY_PIECE_BYTES):  # events split across chunks
            self._chunk(data[start : start + REPLAY_PIECE_BYTES])
        self._end_stream()

    def _reply(self, speaker: _Speaker, scenario: str) -> None:
        self._start_stream()
        speaker.reply(scenario)
        self._end_stream()

    def _done_then_stall(self, speaker: _Speaker, scenario: str) -> None:
        self._start_stream()
        speaker.reply("ok")
        self.server.state.stopping.wait(STALL_SECONDS)
        self._cut_connection()

    def _two_pieces(self, speaker: _Speaker) -> None:
        self._start_stream()
        speaker.start()
        speaker.text(REPLY_PIECES[0])
        speaker.text(REPLY_PIECES[1])

    def _pings(self, speaker: _Speaker, scenario: str) -> None:
        self._two_pieces(speaker)
        stopping = self.server.state.stopping
        for _ in range(int(STALL_SECONDS / PING_INTERVAL)):
            if stopping.wait(PING_INTERVAL):
                break
            speaker.ping()  # a client that gave up makes this raise BrokenPipeError
        self._cut_connection()

    def _slow_events(self, speaker: _Speaker, scenario: str) -> None:
        self._start_stream()
        speaker.start()
        for piece in REPLY_PIECES:
            self._pings_for(SLOW_EVENT_GAP, speaker)
            speaker.text(piece)
        self._pings_for(SLOW_EVENT_GAP, speaker)
        speaker.finish()
        self._end_stream()

    def _stream_error(self, speaker: _Speaker, scenario: str) -> None:
        self._two_pieces(speaker)
        speaker.stream_error(overflow=scenario == "midstream-overflow")
        self._end_stream()

    def _drop(self, speaker: _Speaker, scenario: str) -> None:
        self._two_pieces(speaker)
        self._cut_connection()

    def _stall(self, speaker: _Speaker, scenario: str) -> None:
        self._two_pieces(speaker)
        self.server.state.stopping.wait(STALL_SECONDS)
        self._cut_connection()

    def _truncated(self, speaker: _Speaker, scenario: str) -> None:
        self._two_pieces(speaker)
        self._end_stream()

    def _tool_noindex(self, speaker: _Speaker, scenario: str) -> None:
        assert isinstance(speaker, _OpenAI)
        self._start_stream()
        speaker.tool_calls_without_index()
        self._end_stream()

    def _long(self, speaker: _Speaker, scenario: str) -> None:
        self._start_stream()
        speaker.start()
        for _ in range(LONG_REPLY_CHUNKS):
            speaker.text("word ")
        speaker.finish()
        self._end_stream()

    def _garbage(self, speaker: _Speaker, scenario: str) -> None:
        self._start_stream()
        self._event("this is not json {")
        self._end_stream()

    def _huge(self, speaker: _Speaker, scenario: str) -> None:
        self._start_stream()
        if scenario == "huge-line":
            self._chunk(b"data: ")
            piece = b"x" * 65536
        else:
            piece = b"data: x\n" * 8192
        sent = 0
        while sent < HUGE_EVENT_BYTES and not self.server.state.stopping.is_set():
            self._chunk(piece)
            sent += len(piece)
        self._end_stream()

    def _deep(self, speaker: _Speaker, scenario: str) -> None:
        self._start_stream()
        self._event("[" * DEEP_NESTING + "]" * DEEP_NESTING)
        self._end_stream()

    def _raw(self, status: int, content_type: str, data: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _deep_error(self, speaker: _Speaker, scenario: str) -> None:
        self._raw(400, "application/json", b"[" * 60_000)

    def _not_sse(self, speaker: _Speaker, scenario: str) -> None:
        self._raw(200, "text/html", b"<html><body>Welcome to nginx!</body></html>")

    def _redirect(self, speaker: _Speaker, scenario: str) -> None:
        self.send_response(307)
        self.send_header("Location", "http://127.0.0.2:9/elsewhere")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _rate_limited(self, speaker: _Speaker, scenario: str) -> None:
        status, body = speaker.error_body("rate_limit")
        self._json(status, body, {"Retry-After": str(RETRY_AFTER_SECONDS)})

    def _error_body(self, speaker: _Speaker, scenario: str) -> None:
        speaker.echo = KEY_ECHOES.get(scenario, KEY_ECHOES["401"])
        status, body = speaker.error_body(_ERROR_KINDS[scenario])
        self._json(status, body)

    def _long_error(self, speaker: _Speaker, scenario: str) -> None:
        self._json(400, _long_error_bodies()[speaker.wire_format])

    def _overflow_500(self, speaker: _Speaker, scenario: str) -> None:
        self._json(
            500, {"error": {"code": 500, "message": LLAMA_CPP_OVERFLOW, "type": "server_error"}}
        )

    def _overflow_moonshot(self, speaker: _Speaker, scenario: str) -> None:
        self._json(400, {"error": {"message": MOONSHOT_OVERFLOW, "type": "invalid_request_error"}})


def _long_error_bodies() -> dict[Format, object]:
    error = {"message": LONG_ERROR_MESSAGE}
    return {
        "openai": {"error": {**error, "type": "invalid_request_error"}},
        "anthropic": {"type": "error", "error": {"type": "invalid_request_error", **error}},
        "gemini": {"error": {"code": 400, **error, "status": "INVALID_ARGUMENT"}},
    }


# Which error body each error scenario answers with.
_ERROR_KINDS: dict[str, str] = {
    **dict.fromkeys(KEY_ECHOES, "auth"),
    "bad-key-400": "bad_key",
    "500": "server",
    "overflow": "overflow",
}

_Scenario = Callable[[_Handler, "_Speaker", str], None]

_SCENARIOS: dict[str, _Scenario] = {
    **dict.fromkeys(("ok", "tool", "reasoning"), _Handler._reply),
    "done-then-stall": _Handler._done_then_stall,
    "pings": _Handler._pings,
    "slow-events": _Handler._slow_events,
    "midstream-error": _Handler._stream_error,
    "midstream-overflow": _Handler._stream_error,
    "drop": _Handler._drop,
    "stall": _Handler._stall,
    "truncated": _Handler._truncated,
    "tool-noindex": _Handler._tool_noindex,
    "long": _Handler._long,
    "garbage": _Handler._garbage,
    "huge-line": _Handler._huge,
    "huge-event": _Handler._huge,
    "deep": _Handler._deep,
    "deep-error": _Handler._deep_error,
    "not-sse": _Handler._not_sse,
    "redirect": _Handler._redirect,
    "429": _Handler._rate_limited,
    **dict.fromkeys(_ERROR_KINDS, _Handler._error_body),
    "long-error": _Handler._long_error,
    "overflow-500": _Handler._overflow_500,
    "overflow-moonshot": _Handler._overflow_moonshot,
}

# Scenarios only the OpenAI format has; other formats answer 404 to them.
_OPENAI_ONLY = frozenset({"tool-noindex", "long"})


class _Speaker:
    """Writes one wire format's events and error bodies."""

    wire_format: Format

    def __init__(self, handler: _Handler, recorded: Recorded) -> None:
        self.handler = handler
        self.recorded = recorded
        self.echo: Callable[[str], str] = KEY_ECHOES["401"]

    @property
    def echoed_key(self) -> str:
        """The key as this scenario's error messages echo it."""
        return self.echo(self.key)

    @property
    def key(self) -> str:
        raise NotImplementedError

    def start(self) -> None:
        pass

    def text(self, piece: str) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        """End the reply begun by :meth:`start` normally."""
        raise NotImplementedError

    def ping(self) -> None:
        """A keep-alive: an SSE comment, which carries no event at all."""
        self.handler._chunk(b": ping\n\n")

    def reply(self, scenario: str) -> None:
        raise NotImplementedError

    def stream_error(self, *, overflow: bool) -> None:
        raise NotImplementedError

    def error_body(self, kind: str) -> tuple[int, object]:
        raise NotImplementedError


class _OpenAI(_Speaker):
    wire_format: Format = "openai"

    @property
    def key(self) -> str:
        return self.recorded.headers.get("authorization", "").removeprefix("Bearer ")

    def _chunk(self, delta: dict[str, Any], finish: str | None = None) -> None:
        model = (self.recorded.json or {}).get("model", "model")
        self.handler._event(
            {
                "id": "chatcmpl-loopback",
                "object": "chat.completion.chunk",
                "created": 1700000000,
                "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            }
        )

    def start(self) -> None:
        self._chunk({"role": "assistant", "content": ""})

    def text(self, piece: str) -> None:
        self._chunk({"content": piece})

    def finish(self) -> None:
        self._chunk({}, finish="stop")
        self.handler._event("[DONE]")

    def tool_calls_without_index(self) -> None:
        self.start()
        function = {"type": "function"}
        self._chunk({"tool_calls": [{"id": "a", **function, "function": {"name": "first"}}]})
        self._chunk({"tool_calls": [{"function": {"arguments": "{}"}}]})
        self._chunk(
            {
                "tool_calls": [
                    {"id": "b", **function, "function": {"name": "second", "arguments": ""}}
                ]
            }
        )
        self._chunk({"tool_calls": [{"function": {"arguments": '{"n": '}}]})
        self._chunk({"tool_calls": [{"id": "b", "function": {"arguments": "2}"}}]})
        self._chunk({}, finish="tool_calls")
        self.handler._event("[DONE]")

    def reply(self, scenario: str) -> None:
        self.start()
        finish = "stop"
        if scenario == "reasoning":
            for piece in REASONING_PIECES:
                self._chunk({"reasoning_content": piece})
        if scenario == "tool":
            self._chunk(
                {
                    "tool_calls": [
                        {
                            "index": 0,
                            "id": "call_weather_1",
                            "type": "function",
                            "function": {"name": "get_weather", "arguments": ""},
                        }
                    ]
                }
            )
            for piece in TOOL_ARGUMENT_PIECES:
                self._chunk({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]})
            finish = "tool_calls"
        else:
            for piece in REPLY_PIECES:
                self.text(piece)
        self._chunk({}, finish=finish)
        if (self.recorded.json or {}).get("stream_options", {}).get("include_usage"):
            self.handler._event(
                {
                    "id": "chatcmpl-loopback",
                    "object": "chat.completion.chunk",
                    "created": 1700000000,
                    "model": "model",
                    "choices": [],
                    "usage": {
                        "prompt_tokens": INPUT_TOKENS,
                        "completion_tokens": OUTPUT_TOKENS,
                        "total_tokens": INPUT_TOKENS + OUTPUT_TOKENS,
                    },
                }
            )
        self.handler._event("[DONE]")

    def stream_error(self, *, overflow: bool) -> None:
        if overflow:
            error = {
                "message": OVERFLOW_MESSAGES["openai"],
                "type": "invalid_request_error",
                "code": "context_length_exceeded",
            }
        else:
            error = {
                "message": "The server had an error while processing your request.",
                "type": "server_error",
            }
        self.handler._event({"error": error})

    def error_body(self, kind: str) -> tuple[int, object]:
        if kind in ("auth", "bad_key"):
            return 401, {
                "error": {
                    "message": f"Incorrect API key provided: {self.echoed_key}. You can find your "
                    "API key at https://platform.openai.com/account/api-keys.",
                    "type": "invalid_request_error",
                    "param": None,
                    "code": "invalid_api_key",
                }
            }
        if kind == "rate_limit":
            return 429, {
                "error": {
                    "message": "Rate limit reached for requests per min (RPM): Limit 3, Used 3, "
                    "Requested 1. Please try again in 7s.",
                    "type": "requests",
                    "param": None,
                    "code": "rate_limit_exceeded",
                }
            }
        if kind == "server":
            return 500, {
                "error": {
                    "message": "The server had an error while processing your request. "
                    "Sorry about that!",
                    "type": "server_error",
                    "param": None,
                    "code": None,
                }
            }
        return 400, {
            "error": {
                "message": OVERFLOW_MESSAGES["openai"],
                "type": "invalid_request_error",
                "param": "messages",
                "code": "context_length_exceeded",
            }
        }


class _Anthropic(_Speaker):
    wire_format: Format = "anthropic"

    @property
    def key(self) -> str:
        return self.recorded.headers.get("x-api-key", "")

    def start(self) -> None:
        model = (self.recorded.json or {}).get("model", "model")
        self.handler._event(
            {
                "type": "message_start",
                "message": {
                    "id": "msg_loopback",
                    "type": "message",
                    "role": "assistant",
                    "model": model,
                    "content": [],
                    "stop_reason": None,
                    "stop_sequence": None,
                    "usage": {"input_tokens": INPUT_TOKENS, "output_tokens": 1},
                },
            },
            "message_start",
        )
        self.handler._event(
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "text", "text": ""},
            },
            "content_block_start",
        )
        self.handler._event({"type": "ping"}, "ping")

    def text(self, piece: str, index: int = 0) -> None:
        self.handler._event(
            {
                "type": "content_block_delta",
                "index": index,
                "delta": {"type": "text_delta", "text": piece},
            },
            "content_block_delta",
        )

    def ping(self) -> None:
        self.handler._event({"type": "ping"}, "ping")

    def finish(self) -> None:
        self.handler._event({"type": "content_block_stop", "index": 0}, "content_block_stop")
        self.handler._event(
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                "usage": {"output_tokens": OUTPUT_TOKENS},
            },
            "message_delta",
        )
        self.handler._event({"type": "message_stop"}, "message_stop")

    def reply(self, scenario: str) -> None:
        model = (self.recorded.json or {}).get("model", "model")
        self.handler._event(
            {
                "type": "message_start",
                "message": {
                    "id": "msg_loopback",
                    "type": "message",
                    "role": "assistant",
                    "model": model,
                    "content": [],
                    "stop_reason": None,
                    "stop_sequence": None,
                    "usage": {"input_tokens": INPUT_TOKENS, "output_tokens": 1},
                },
            },
            "message_start",
        )
        index = 0
        stop = "end_turn"
        if scenario == "reasoning":
            self.handler._event(
                {
                    "type": "content_block_start",
                    "index": index,
                    "content_block": {"type": "thinking", "thinking": ""},
                },
                "content_block_start",
            )
            for piece in REASONING_PIECES:
                self.handler._event(
                    {
                        "type": "content_block_delta",
                        "index": index,
                        "delta": {"type": "thinking_delta", "thinking": piece},
                    },
                    "content_block_delta",
                )
            self.handler._event(
                {
                    "type": "content_block_delta",
                    "index": index,
                    "delta": {"type": "signature_delta", "signature": "c2lnbmF0dXJl"},
                },
                "content_block_delta",
            )
            self.handler._event(
                {"type": "content_block_stop", "index": index}, "content_block_stop"
            )
            index += 1
        self.handler._event(
            {
                "type": "content_block_start",
                "index": index,
                "content_block": {"type": "text", "text": ""},
            },
            "content_block_start",
        )
        self.handler._event({"type": "ping"}, "ping")
        if scenario == "tool":
            self.text("Let me check.", index)
        else:
            for piece in REPLY_PIECES:
                self.text(piece, index)
        self.handler._event({"type": "content_block_stop", "index": index}, "content_block_stop")
        if scenario == "tool":
            index += 1
            self.handler._event(
                {
                    "type": "content_block_start",
                    "index": index,
                    "content_block": {
                        "type": "tool_use",
                        "id": "toolu_weather_1",
                        "name": "get_weather",
                        "input": {},
                    },
                },
                "content_block_start",
            )
            for piece in TOOL_ARGUMENT_PIECES:
                self.handler._event(
                    {
                        "type": "content_block_delta",
                        "index": index,
                        "delta": {"type": "input_json_delta", "partial_json": piece},
                    },
                    "content_block_delta",
                )
            self.handler._event(
                {"type": "content_block_stop", "index": index}, "content_block_stop"
            )
            stop = "tool_use"
        self.handler._event(
            {
                "type": "message_delta",
                "delta": {"stop_reason": stop, "stop_sequence": None},
                "usage": {"output_tokens": OUTPUT_TOKENS},
            },
            "message_delta",
        )
        self.handler._event({"type": "message_stop"}, "message_stop")

    def stream_error(self, *, overflow: bool) -> None:
        if overflow:
            error = {"type": "invalid_request_error", "message": OVERFLOW_MESSAGES["anthropic"]}
        else:
            error = {"type": "overloaded_error", "message": "Overloaded"}
        self.handler._event({"type": "error", "error": error}, "error")

    def error_body(self, kind: str) -> tuple[int, object]:
        if kind in ("auth", "bad_key"):
            return 401, {
                "type": "error",
                "error": {
                    "type": "authentication_error",
                    "message": f"invalid x-api-key: {self.echoed_key}",
                },
            }
        if kind == "rate_limit":
            return 429, {
                "type": "error",
                "error": {
                    "type": "rate_limit_error",
                    "message": "Number of request tokens has exceeded your per-minute rate limit",
                },
            }
        if kind == "server":
            return 500, {
                "type": "error",
                "error": {"type": "api_error", "message": "Internal server error"},
            }
        return 400, {
            "type": "error",
            "error": {"type": "invalid_request_error", "message": OVERFLOW_MESSAGES["anthropic"]},
        }


class _Gemini(_Speaker):
    wire_format: Format = "gemini"

    @property
    def key(self) -> str:
        return self.recorded.headers.get("x-goog-api-key", "")

    def _response(
        self, parts: list[dict[str, Any]], finish: str | None = None, output_tokens: int = 1
    ) -> None:
        candidate: dict[str, Any] = {"content": {"parts": parts, "role": "model"}, "index": 0}
        if finish:
            candidate["finishReason"] = finish
        self.handler._event(
            {
                "candidates": [candidate],
                "usageMetadata": {
                    "promptTokenCount": INPUT_TOKENS,
                    "candidatesTokenCount": output_tokens,
                    "totalTokenCount": INPUT_TOKENS + output_tokens,
                },
                "modelVersion": "gemini-loopback",
            }
        )

    def text(self, piece: str) -> None:
        self._response([{"text": piece}])

    def finish(self) -> None:
        self._response([], finish="STOP", output_tokens=OUTPUT_TOKENS)

    def reply(self, scenario: str) -> None:
        if scenario == "reasoning":
            for piece in REASONING_PIECES:
                self._response([{"text": piece, "thought": True}])
        if scenario == "tool":
            self._response(
                [{"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}],
                finish="STOP",
                output_tokens=OUTPUT_TOKENS,
            )
            return
        for piece in REPLY_PIECES[:-1]:
            self.text(piece)
        self._response([{"text": REPLY_PIECES[-1]}], finish="STOP", output_tokens=OUTPUT_TOKENS)

    def stream_error(self, *, overflow: bool) -> None:
        if overflow:
            error = {
                "code": 400,
                "message": OVERFLOW_MESSAGES["gemini"],
                "status": "INVALID_ARGUMENT",
            }
        else:
            error = {
                "code": 503,
                "message": "The model is overloaded. Please try again later.",
                "status": "UNAVAILABLE",
            }
        self.handler._event({"error": error})

    def error_body(self, kind: str) -> tuple[int, object]:
        if kind == "auth":
            return 401, {
                "error": {
                    "code": 401,
                    "message": f"Request had invalid authentication credentials: {self.echoed_key}",
                    "status": "UNAUTHENTICATED",
                }
            }
        if kind == "bad_key":
            return 400, {
                "error": {
                    "code": 400,
                    "message": "API key not valid. Please pass a valid API key.",
                    "status": "INVALID_ARGUMENT",
                    "details": [
                        {
                            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                            "reason": "API_KEY_INVALID",
                            "domain": "googleapis.com",
                        }
                    ],
                }
            }
        if kind == "rate_limit":
            return 429, {
                "error": {
                    "code": 429,
                    "message": "Resource has been exhausted (e.g. check quota).",
                    "status": "RESOURCE_EXHAUSTED",
                    "details": [
                        {
                            "@type": "type.googleapis.com/google.rpc.RetryInfo",
                            "retryDelay": f"{RETRY_AFTER_SECONDS}s",
                        }
                    ],
                }
            }
        if kind == "server":
            return 500, {
                "error": {
                    "code": 500,
                    "message": "An internal error has occurred.",
                    "status": "INTERNAL",
                }
            }
        return 400, {
            "error": {
                "code": 400,
                "message": OVERFLOW_MESSAGES["gemini"],
                "status": "INVALID_ARGUMENT",
            }
        }


_SPEAKERS: dict[Format, type[_Speaker]] = {
    "openai": _OpenAI,
    "anthropic": _Anthropic,
    "gemini": _Gemini,
}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: _State

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that stops reading (the point of several scenarios) is not a server bug;
        # printing it would land in whichever test's captured stderr happens to be running.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class LoopbackLLMServer:
    """A loopback server for the three streaming formats; see the module docstring."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self._state = _State()
        self._server = _Server((host, 0), _Handler)
        self._server.state = self._state
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def origin(self) -> str:
        return f"http://{self.host}:{self.port}"

    def base_url(self, scenario: str, wire_format: Format) -> str:
        """The API root a client should use for ``scenario`` in ``wire_format``."""
        version = "v1beta" if wire_format == "gemini" else "v1"
        return f"{self.origin}/{scenario}/{version}"

    @property
    def requests(self) -> list[Recorded]:
        with self._state.lock:
            return list(self._state.requests)

    def clear(self) -> None:
        with self._state.lock:
            self._state.requests.clear()

    def start(self) -> LoopbackLLMServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._state.stopping.set()  # releases stalled responses
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> LoopbackLLMServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def serve() -> Iterator[LoopbackLLMServer]:
    """Generator for a pytest fixture: one running server, stopped afterwards."""
    with LoopbackLLMServer() as server:
        yield server


if __name__ == "__main__":
    # Try the CLI by hand: `python -m tests.runtime.loopback`, then in another shell
    # MOONSHOT_API_KEY=sk-x python -m runtime chat kimi::kimi-k2-0905-preview hello --base-url URL
    import sys

    with LoopbackLLMServer() as server:
        for wire_format in ("openai", "anthropic", "gemini"):
            print(f"{wire_format:>9}: {server.base_url('ok', wire_format)}  (or another scenario)")
        print("Ctrl-C to stop.", flush=True)
        try:
            server._thread.join()
        except KeyboardInterrupt:
            sys.exit(0)
