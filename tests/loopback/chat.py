"""Chat streams: what the loopback server answers a POST, by scenario and wire format.

The wire format is recognised from the path a client posts to, the scenario from the first
path segment (so a base URL says it all, see :meth:`LoopbackServer.base_url`):

Formats: ``openai`` (``POST {base}/chat/completions``), ``anthropic`` (``POST {base}/messages``),
``gemini`` (``POST {base}/models/{model}:streamGenerateContent?alt=sse``), ``responses`` (the
OpenAI Responses API, ``POST {base}/responses``).

Scenarios (the first path segment):

- ``ok``: the reply :data:`REPLY_PIECES` in several chunks, with usage and a normal finish
- ``tool``: a tool call ``get_weather({"city": "Paris"})`` split over chunks
- ``tool-noindex`` (OpenAI format only): two tool calls whose deltas carry no ``index``, as some
  OpenAI-compatible servers send them: ``a`` = ``first({})`` and ``b`` = ``second({"n": 2})``
- ``reasoning``: reasoning deltas, then the reply
- ``refusal`` (OpenAI and Responses formats): a refusal, :data:`REFUSAL_PIECES`, in a reply
  that finishes normally: ``delta.refusal`` pieces of chat-completions chunks, or a message
  whose one content part is a refusal (``response.refusal.delta`` events, then
  ``response.refusal.done``)
- ``refusal-whole`` (Responses only): the same refusal with no refusal events, only in the
  finished message item (as a compatible server may send it)
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
- ``long`` / ``long-<chunks>``: a reply of :data:`LONG_REPLY_CHUNKS` (or ``chunks``) events,
  built once and sent in large pieces, for measuring per-chunk cost (see ``long_streams``)
- ``stall``: two chunks, then nothing for up to :data:`STALL_SECONDS` (a hung server)
- ``huge-line``: a 200, then :data:`HUGE_EVENT_BYTES` of one ``data:`` line that never ends
- ``huge-event``: a 200, then :data:`HUGE_EVENT_BYTES` of short ``data:`` lines and no blank
  line, so the event never ends
- ``done-then-stall``: the whole reply, then the connection held open for up to
  :data:`STALL_SECONDS` (a proxy that keeps it alive)
- ``pings``: two chunks, then only keep-alive pings every :data:`PING_INTERVAL` for up to
  :data:`STALL_SECONDS` (SSE comments; Anthropic's own ``event: ping`` in that format)
- ``signed-tool`` (Anthropic, Gemini, Responses): a three-request tool loop whose server refuses a
  request that does not carry back its signed reasoning unchanged (:mod:`.signed_loops`)
- ``signature-check`` (Gemini only): the reply, unless a model turn's first function call lacks
  a ``thoughtSignature``: then Gemini 3's 400 (:mod:`.signed_loops`)
- ``replay-<file>``: a recorded stream of ``tests/loopback/streams/`` as it is, in small chunks
- the hostile scenarios of :mod:`tests.loopback.hostile` (compression bombs, a header drip,
  an endless reply, bytes that are not UTF-8, a reply echoing the key)
- ``slow-events``: the reply one piece every :data:`SLOW_EVENT_GAP` seconds, pings between,
  then a normal finish: slow overall, never idle for long
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.loopback._http import Handler, Recorded
from tests.loopback.anthropic_format import AnthropicSpeaker
from tests.loopback.gemini_format import GeminiSpeaker
from tests.loopback.hostile import HOSTILE_SCENARIOS
from tests.loopback.long_streams import PIECE_BYTES, long_stream_body
from tests.loopback.openai_format import OpenAISpeaker
from tests.loopback.replies import (
    KEY_ECHOES,
    LLAMA_CPP_OVERFLOW,
    LONG_ERROR_MESSAGE,
    MOONSHOT_OVERFLOW,
    REPLY_PIECES,
    RETRY_AFTER_SECONDS,
    Format,
    Speaker,
)
from tests.loopback.responses_format import ResponsesSpeaker
from tests.loopback.signed_loops import serve_signature_check, serve_signed_tool

# Long enough that a loaded machine still reaches the stall; stopping the server releases it.
STALL_SECONDS = 60
PING_INTERVAL = 0.05
SLOW_EVENT_GAP = 0.15
LONG_REPLY_CHUNKS = 5000
DEEP_NESTING = 200_000
HUGE_EVENT_BYTES = 9 * 1024 * 1024  # past the runtime's 8 MiB cap on one event

# replay-<file>: the recorded stream tests/loopback/streams/<file>, byte for byte, in pieces of
# REPLAY_PIECE_BYTES (so that events straddle chunks).
REPLAY_PREFIX = "replay-"
RECORDED_STREAMS = Path(__file__).resolve().parent / "streams"
REPLAY_PIECE_BYTES = 97
LONG_PREFIX = "long-"

SPEAKERS: dict[Format, type[Speaker]] = {
    "openai": OpenAISpeaker,
    "anthropic": AnthropicSpeaker,
    "gemini": GeminiSpeaker,
    "responses": ResponsesSpeaker,
}


def format_of(path: str) -> Format | None:
    if path.endswith("/chat/completions"):
        return "openai"
    if path.endswith("/messages"):
        return "anthropic"
    if path.endswith(":streamGenerateContent"):
        return "gemini"
    if path.endswith("/responses"):
        return "responses"
    return None


def serve_chat(handler: Handler, recorded: Recorded) -> None:
    """Answer one POST: the scenario its path names, in the wire format its path names."""
    scenario = recorded.path.strip("/").split("/", 1)[0]
    wire_format = format_of(recorded.path)
    if wire_format is None:
        handler.send_json({"error": {"message": f"no such endpoint: {recorded.path}"}}, status=404)
        return
    if scenario == "signed-tool":
        serve_signed_tool(handler, recorded, wire_format)
        return
    if scenario.startswith(REPLAY_PREFIX):
        _replay(handler, scenario.removeprefix(REPLAY_PREFIX))
        return
    serve = _SCENARIOS.get(scenario)
    if serve is None and (scenario == "long" or scenario.startswith(LONG_PREFIX)):
        _long(handler, wire_format, scenario.removeprefix("long").removeprefix("-"))
        return
    if serve is None or wire_format not in _ONLY_IN.get(scenario, (wire_format,)):
        handler.send_json({"error": {"message": f"no such scenario: {scenario}"}}, status=404)
        return
    serve(handler, SPEAKERS[wire_format](handler, recorded), scenario)


# Scenarios that are not in the table: their name carries an argument.


def _replay(handler: Handler, name: str) -> None:
    path = RECORDED_STREAMS / name
    if path.parent != RECORDED_STREAMS or not path.is_file():
        handler.send_json({"error": {"message": f"no recorded stream {name}"}}, status=404)
        return
    _send_in_pieces(handler, path.read_bytes(), REPLAY_PIECE_BYTES)  # events split across chunks


def _long(handler: Handler, wire_format: Format, chunks: str) -> None:
    if chunks and not chunks.isdigit():
        handler.send_json({"error": {"message": f"not a chunk count: {chunks}"}}, status=404)
        return
    body = long_stream_body(wire_format, int(chunks or LONG_REPLY_CHUNKS))
    _send_in_pieces(handler, body, PIECE_BYTES)


def _send_in_pieces(handler: Handler, data: bytes, piece: int) -> None:
    handler.start_stream()
    for start in range(0, len(data), piece):
        handler.chunk(data[start : start + piece])
    handler.end_stream()


# The scenarios of the table, one function each (see the module docstring).


def _reply(handler: Handler, speaker: Speaker, scenario: str) -> None:
    handler.start_stream()
    speaker.reply(scenario)
    handler.end_stream()


def _signature_check(handler: Handler, speaker: Speaker, scenario: str) -> None:
    if not serve_signature_check(handler, speaker.recorded):
        _reply(handler, speaker, "ok")


def _done_then_stall(handler: Handler, speaker: Speaker, scenario: str) -> None:
    handler.start_stream()
    speaker.reply("ok")
    handler.stopping.wait(STALL_SECONDS)
    handler.cut_connection()


def _two_pieces(handler: Handler, speaker: Speaker) -> None:
    handler.start_stream()
    speaker.start()
    speaker.text(REPLY_PIECES[0])
    speaker.text(REPLY_PIECES[1])


def _pings_for(handler: Handler, seconds: float, speaker: Speaker) -> None:
    for _ in range(max(1, round(seconds / PING_INTERVAL))):
        handler.stopping.wait(PING_INTERVAL)
        speaker.ping()


def _pings(handler: Handler, speaker: Speaker, scenario: str) -> None:
    _two_pieces(handler, speaker)
    for _ in range(int(STALL_SECONDS / PING_INTERVAL)):
        if handler.stopping.wait(PING_INTERVAL):
            break
        speaker.ping()  # a client that gave up makes this raise BrokenPipeError
    handler.cut_connection()


def _slow_events(handler: Handler, speaker: Speaker, scenario: str) -> None:
    handler.start_stream()
    speaker.start()
    for piece in REPLY_PIECES:
        _pings_for(handler, SLOW_EVENT_GAP, speaker)
        speaker.text(piece)
    _pings_for(handler, SLOW_EVENT_GAP, speaker)
    speaker.finish()
    handler.end_stream()


def _stream_error(handler: Handler, speaker: Speaker, scenario: str) -> None:
    _two_pieces(handler, speaker)
    speaker.stream_error(overflow=scenario == "midstream-overflow")
    handler.end_stream()


def _drop(handler: Handler, speaker: Speaker, scenario: str) -> None:
    _two_pieces(handler, speaker)
    handler.cut_connection()


def _stall(handler: Handler, speaker: Speaker, scenario: str) -> None:
    _two_pieces(handler, speaker)
    handler.stopping.wait(STALL_SECONDS)
    handler.cut_connection()


def _truncated(handler: Handler, speaker: Speaker, scenario: str) -> None:
    _two_pieces(handler, speaker)
    handler.end_stream()


def _tool_noindex(handler: Handler, speaker: Speaker, scenario: str) -> None:
    assert isinstance(speaker, OpenAISpeaker)
    handler.start_stream()
    speaker.tool_calls_without_index()
    handler.end_stream()


def _garbage(handler: Handler, speaker: Speaker, scenario: str) -> None:
    handler.start_stream()
    handler.event("this is not json {")
    handler.end_stream()


def _huge(handler: Handler, speaker: Speaker, scenario: str) -> None:
    handler.start_stream()
    if scenario == "huge-line":
        handler.chunk(b"data: ")
        piece = b"x" * 65536
    else:
        piece = b"data: x\n" * 8192
    sent = 0
    while sent < HUGE_EVENT_BYTES and not handler.stopping.is_set():
        handler.chunk(piece)
        sent += len(piece)
    handler.end_stream()


def _deep(handler: Handler, speaker: Speaker, scenario: str) -> None:
    handler.start_stream()
    handler.event("[" * DEEP_NESTING + "]" * DEEP_NESTING)
    handler.end_stream()


def _deep_error(handler: Handler, speaker: Speaker, scenario: str) -> None:
    handler.send_raw(b"[" * 60_000, status=400)


def _not_sse(handler: Handler, speaker: Speaker, scenario: str) -> None:
    handler.send_raw(b"<html><body>Welcome to nginx!</body></html>", content_type="text/html")


def _redirect(handler: Handler, speaker: Speaker, scenario: str) -> None:
    handler.send_redirect("http://127.0.0.2:9/elsewhere", status=307)


def _rate_limited(handler: Handler, speaker: Speaker, scenario: str) -> None:
    status, body = speaker.error_body("rate_limit")
    handler.send_json(body, status=status, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def _error_body(handler: Handler, speaker: Speaker, scenario: str) -> None:
    speaker.echo = KEY_ECHOES.get(scenario, KEY_ECHOES["401"])
    status, body = speaker.error_body(_ERROR_KINDS[scenario])
    handler.send_json(body, status=status)


def _long_error(handler: Handler, speaker: Speaker, scenario: str) -> None:
    error = {"message": LONG_ERROR_MESSAGE}
    bodies: dict[Format, object] = {
        "openai": {"error": {**error, "type": "invalid_request_error"}},
        "anthropic": {"type": "error", "error": {"type": "invalid_request_error", **error}},
        "gemini": {"error": {"code": 400, **error, "status": "INVALID_ARGUMENT"}},
        "responses": {"error": {**error, "type": "invalid_request_error"}},
    }
    handler.send_json(bodies[speaker.wire_format], status=400)


def _overflow_500(handler: Handler, speaker: Speaker, scenario: str) -> None:
    error = {"code": 500, "message": LLAMA_CPP_OVERFLOW, "type": "server_error"}
    handler.send_json({"error": error}, status=500)


def _overflow_moonshot(handler: Handler, speaker: Speaker, scenario: str) -> None:
    error = {"message": MOONSHOT_OVERFLOW, "type": "invalid_request_error"}
    handler.send_json({"error": error}, status=400)


# Which error body each error scenario answers with.
_ERROR_KINDS: dict[str, str] = {
    **dict.fromkeys(KEY_ECHOES, "auth"),
    "bad-key-400": "bad_key",
    "500": "server",
    "overflow": "overflow",
}

_SCENARIOS: dict[str, Callable[[Handler, Speaker, str], None]] = {
    **dict.fromkeys(("ok", "tool", "reasoning", "refusal", "refusal-whole"), _reply),
    "done-then-stall": _done_then_stall,
    "signature-check": _signature_check,
    "pings": _pings,
    "slow-events": _slow_events,
    "midstream-error": _stream_error,
    "midstream-overflow": _stream_error,
    "drop": _drop,
    "stall": _stall,
    "truncated": _truncated,
    "tool-noindex": _tool_noindex,
    "garbage": _garbage,
    "huge-line": _huge,
    "huge-event": _huge,
    "deep": _deep,
    "deep-error": _deep_error,
    "not-sse": _not_sse,
    "redirect": _redirect,
    "429": _rate_limited,
    **dict.fromkeys(_ERROR_KINDS, _error_body),
    "long-error": _long_error,
    "overflow-500": _overflow_500,
    "overflow-moonshot": _overflow_moonshot,
    **HOSTILE_SCENARIOS,  # see tests.loopback.hostile
}

# Scenarios only some formats have; other formats answer 404 to them.
_ONLY_IN: dict[str, tuple[Format, ...]] = {
    "tool-noindex": ("openai",),
    "refusal": ("openai", "responses"),
    "refusal-whole": ("responses",),
    "signature-check": ("gemini",),
}
