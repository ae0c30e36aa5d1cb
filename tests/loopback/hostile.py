"""Chat scenarios of a hostile server: what an adversarial pass found the runtime had to bound.

- ``gzip-stream``: a 200 event stream sent gzip-compressed although the client asked for none;
  it expands to :data:`BOMB_EXPANDED_BYTES` (a compression bomb)
- ``gzip-error``: the same bomb as the body of a 400
- ``header-drip``: the status line and headers, a byte every :data:`DRIP_GAP` seconds, forever
- ``endless``: a reply that never ends, one small piece every :data:`ENDLESS_GAP` seconds
- ``huge-error``: a 500 whose body runs to :data:`HUGE_ERROR_BYTES`, with blank lines in it
  (so no cap on one event stops it), sent as fast as the client reads
- ``many-values``: a 200 stream whose first event is a well-formed JSON array of
  :data:`MANY_VALUES` empty objects (a few MB, hundreds of MB once parsed)
- ``not-utf8``: a reply whose second event holds bytes that are not UTF-8
- ``echo-key``: a reply whose text holds the key the request carried, split across two events
"""

from __future__ import annotations

import functools
import gzip
from collections.abc import Callable

from tests.loopback._http import Handler
from tests.loopback.replies import REPLY_PIECES, Speaker

BOMB_EXPANDED_BYTES = 64 * 1024 * 1024
DRIP_GAP = 0.2
ENDLESS_GAP = 0.02
# How long a hostile scenario keeps at it when no client gives up: far past any test's deadline.
HOLD_SECONDS = 60
ECHO_PREFIX = "Your key is "
HUGE_ERROR_BYTES = 512 * 1024 * 1024
MANY_VALUES = 1_500_000


@functools.cache
def gzip_bomb() -> bytes:
    """About 64 KiB of gzip that expands to :data:`BOMB_EXPANDED_BYTES` of zeros."""
    return gzip.compress(bytes(BOMB_EXPANDED_BYTES), compresslevel=9, mtime=0)


def send_gzip_bomb(handler: Handler, status: int, content_type: str) -> None:
    """Answer with :func:`gzip_bomb` as a gzip-encoded body."""
    body = gzip_bomb()
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Encoding", "gzip")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def _gzip_stream(handler: Handler, speaker: Speaker, scenario: str) -> None:
    send_gzip_bomb(handler, 200, "text/event-stream")


def _gzip_error(handler: Handler, speaker: Speaker, scenario: str) -> None:
    send_gzip_bomb(handler, 400, "application/json")


def _huge_error(handler: Handler, speaker: Speaker, scenario: str) -> None:
    handler.send_response(500)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Transfer-Encoding", "chunked")
    handler.end_headers()
    handler.chunk(b'{"error": {"message": "the server is having a very bad day", "x": "')
    piece = (b"y" * 1022 + b"\n\n") * 64  # 64 KiB, blank lines every KiB
    for _ in range(HUGE_ERROR_BYTES // len(piece)):
        if handler.stopping.is_set():
            break
        handler.chunk(piece)  # a client that stopped reading makes this raise
    handler.end_stream()


def many_values_json() -> bytes:
    """A JSON array of :data:`MANY_VALUES` empty objects."""
    return b"[" + b"{}," * (MANY_VALUES - 1) + b"{}]"


def _many_values(handler: Handler, speaker: Speaker, scenario: str) -> None:
    handler.start_stream()
    body = b"data: " + many_values_json() + b"\n\n"
    for start in range(0, len(body), 64 * 1024):
        handler.chunk(body[start : start + 64 * 1024])  # raises once the client gave up
    handler.end_stream()


def _header_drip(handler: Handler, speaker: Speaker, scenario: str) -> None:
    head = b"HTTP/1.1 200 OK\r\n" + b"X-Padding: " + b"a" * 10_000 + b"\r\n\r\n"
    for byte in head:
        if handler.stopping.wait(DRIP_GAP):
            break
        handler.wfile.write(bytes((byte,)))  # a client that gave up makes this raise
        handler.wfile.flush()
    handler.close_connection = True


def _endless(handler: Handler, speaker: Speaker, scenario: str) -> None:
    handler.start_stream()
    speaker.start()
    for _ in range(round(HOLD_SECONDS / ENDLESS_GAP)):
        if handler.stopping.wait(ENDLESS_GAP):
            break
        speaker.text("more ")  # a client that gave up makes this raise
    handler.cut_connection()


def _not_utf8(handler: Handler, speaker: Speaker, scenario: str) -> None:
    handler.start_stream()
    speaker.start()
    speaker.text(REPLY_PIECES[0])
    handler.chunk(b'data: {"text": "caf\xe9 \xff"}\n\n')
    speaker.finish()
    handler.end_stream()


def _echo_key(handler: Handler, speaker: Speaker, scenario: str) -> None:
    key = speaker.key
    handler.start_stream()
    speaker.start()
    speaker.text(ECHO_PREFIX + key[:6])
    speaker.text(key[6:] + ".")
    speaker.finish()
    handler.end_stream()


HOSTILE_SCENARIOS: dict[str, Callable[[Handler, Speaker, str], None]] = {
    "gzip-stream": _gzip_stream,
    "gzip-error": _gzip_error,
    "huge-error": _huge_error,
    "many-values": _many_values,
    "header-drip": _header_drip,
    "endless": _endless,
    "not-utf8": _not_utf8,
    "echo-key": _echo_key,
}
