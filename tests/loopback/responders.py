"""Responders for the loopback server's GET routes: model listings, well or badly.

Mount one with ``server.route("/v1/models", json_body({...}))``. Hostile responders never build
their body in memory: the huge body is written chunk by chunk, the drip writes a byte at a
time, and both stop as soon as the client goes away or the server stops.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping

from tests.loopback._http import Handler, Recorded, Responder


def json_body(
    payload: object, *, status: int = 200, headers: Mapping[str, str] | None = None
) -> Responder:
    def respond(handler: Handler, _: Recorded) -> None:
        handler.send_json(payload, status=status, headers=headers)

    return respond


def raw_body(body: bytes, *, status: int = 200, content_type: str = "text/html") -> Responder:
    def respond(handler: Handler, _: Recorded) -> None:
        handler.send_raw(body, status=status, content_type=content_type)

    return respond


def paged(pages: Mapping[str | None, object], cursor_param: str) -> Responder:
    """Serve ``pages[cursor]`` where cursor is the request's ``cursor_param`` (None: first page)."""

    def respond(handler: Handler, request: Recorded) -> None:
        cursor = request.query.get(cursor_param)
        if cursor not in pages:
            handler.send_json({"error": f"unknown cursor {cursor!r}"}, status=400)
            return
        handler.send_json(pages[cursor])

    return respond


def redirect(location: str, *, status: int = 302) -> Responder:
    def respond(handler: Handler, _: Recorded) -> None:
        handler.send_redirect(location, status)

    return respond


def slow_drip(interval: float = 0.05) -> Responder:
    """A 200 that starts a JSON body and then trickles a space every ``interval`` forever."""

    def respond(handler: Handler, _: Recorded) -> None:
        handler.send_response(200)
        handler.send_header("content-type", "application/json")
        handler.send_header("connection", "close")  # no length: the body ends at the close
        handler.end_headers()
        handler.wfile.write(b'{"data": [')
        handler.wfile.flush()
        stopping = handler.stopping
        while not stopping.wait(interval):
            handler.wfile.write(b" ")
            handler.wfile.flush()

    return respond


def stall(seconds: float) -> Responder:
    """Accept the request, say nothing for ``seconds`` (or until the server stops), then answer."""

    def respond(handler: Handler, _: Recorded) -> None:
        handler.stopping.wait(seconds)
        handler.send_json({"data": []})

    return respond


def huge_body(total_bytes: int, *, declare_length: bool) -> Responder:
    """A listing of ``total_bytes`` written in 64 KiB chunks, optionally with its Content-Length."""
    chunk = b'{"id": "padding-model", "object": "model"}, ' * 1489  # ~64 KiB

    def respond(handler: Handler, _: Recorded) -> None:
        handler.send_response(200)
        handler.send_header("content-type", "application/json")
        if declare_length:
            handler.send_header("content-length", str(total_bytes))
        handler.send_header("connection", "close")  # the body ends at the close either way
        handler.end_headers()
        handler.wfile.write(b'{"data": [')
        sent = 10
        stopping = handler.stopping
        while sent < total_bytes and not stopping.is_set():
            handler.wfile.write(chunk)
            sent += len(chunk)

    return respond


def sequence(*responders: Responder) -> Responder:
    """The first request gets the first responder, and so on; the last one repeats."""
    lock = threading.Lock()
    calls = iter(responders)
    last: list[Responder] = [responders[-1]]

    def respond(handler: Handler, request: Recorded) -> None:
        with lock:
            current = next(calls, last[0])
        current(handler, request)

    return respond


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    """Poll ``condition`` until it holds or ``timeout`` passes (a guard against hangs only)."""
    give_up = time.monotonic() + timeout
    while time.monotonic() < give_up:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def iter_headers(requests: list[Recorded]) -> Iterator[tuple[str, str]]:
    for request in requests:
        yield from request.headers.items()


def model_listing(models: int, *, delay: float = 0.0) -> Responder:
    """An OpenAI-shaped listing of ``models`` ids, answered after ``delay`` seconds; the ids
    start with the path's first segment (``/p07/v1/models`` lists ``p07-model-000``…), so one
    route mounted as ``/*/v1/models`` gives every provider of a benchmark its own models."""

    def respond(handler: Handler, request: Recorded) -> None:
        handler.stopping.wait(delay)
        prefix = request.path.strip("/").split("/")[0]
        data = [
            {"id": f"{prefix}-model-{i:03d}", "object": "model", "owned_by": "loopback"}
            for i in range(models)
        ]
        handler.send_json({"object": "list", "data": data})

    return respond
