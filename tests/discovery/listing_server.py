"""A real HTTP server on loopback that serves model listings, well or badly.

The standard library's ThreadingHTTPServer in a daemon thread. Each test mounts responders on
paths; every request is recorded (path, query, headers) so tests can assert what a server
received, e.g. that a key never reached the host a listing redirected to.

Hostile responders never build their body in memory: the huge body is written chunk by chunk,
the drip writes a byte at a time, and both stop as soon as the client goes away or the server
stops.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

Responder = Callable[["_Handler", "Recorded"], None]


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]  # lower-case names


@dataclass
class _State:
    routes: dict[str, Responder] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        recorded = Recorded(
            "GET", parts.path, query, {k.lower(): v for k, v in self.headers.items()}
        )
        state = self.server.state
        with state.lock:
            state.requests.append(recorded)
            responder = state.routes.get(parts.path)
        try:
            if responder is None:
                send_json(self, {"error": {"message": "not found"}}, status=404)
            else:
                responder(self, recorded)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up, which is what the hostile responders wait for

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep the test output clean


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: _State


class ListingServer:
    """``with ListingServer() as server: server.route("/v1/models", json_body({...}))``."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self._state = _State()
        self._server = _Server((host, 0), _Handler)
        self._server.state = self._state
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._running = False

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def origin(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def requests(self) -> list[Recorded]:
        with self._state.lock:
            return list(self._state.requests)

    def route(self, path: str, responder: Responder) -> None:
        with self._state.lock:
            self._state.routes[path] = responder

    def start(self) -> ListingServer:
        self._thread.start()
        self._running = True
        return self

    def stop(self) -> None:
        if self._running:
            self._state.stopping.set()
            self._server.shutdown()
            self._running = False
        self._server.server_close()

    def __enter__(self) -> ListingServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --- responders -----------------------------------------------------------------------------------


def send_json(
    handler: _Handler,
    payload: object,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> None:
    body = json.dumps(payload).encode()
    handler.send_response(status)
    handler.send_header("content-type", "application/json")
    handler.send_header("content-length", str(len(body)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


def json_body(
    payload: object, *, status: int = 200, headers: Mapping[str, str] | None = None
) -> Responder:
    def respond(handler: _Handler, _: Recorded) -> None:
        send_json(handler, payload, status=status, headers=headers)

    return respond


def raw_body(body: bytes, *, status: int = 200, content_type: str = "text/html") -> Responder:
    def respond(handler: _Handler, _: Recorded) -> None:
        handler.send_response(status)
        handler.send_header("content-type", content_type)
        handler.send_header("content-length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return respond


def paged(pages: Mapping[str | None, object], cursor_param: str) -> Responder:
    """Serve ``pages[cursor]`` where cursor is the request's ``cursor_param`` (None: first page)."""

    def respond(handler: _Handler, request: Recorded) -> None:
        cursor = request.query.get(cursor_param)
        if cursor not in pages:
            send_json(handler, {"error": f"unknown cursor {cursor!r}"}, status=400)
            return
        send_json(handler, pages[cursor])

    return respond


def redirect(location: str, *, status: int = 302) -> Responder:
    def respond(handler: _Handler, _: Recorded) -> None:
        handler.send_response(status)
        handler.send_header("location", location)
        handler.send_header("content-length", "0")
        handler.end_headers()

    return respond


def slow_drip(interval: float = 0.05) -> Responder:
    """A 200 that starts a JSON body and then trickles a space every ``interval`` forever."""

    def respond(handler: _Handler, _: Recorded) -> None:
        handler.send_response(200)
        handler.send_header("content-type", "application/json")
        handler.end_headers()
        handler.wfile.write(b'{"data": [')
        handler.wfile.flush()
        stopping = handler.server.state.stopping
        while not stopping.wait(interval):
            handler.wfile.write(b" ")
            handler.wfile.flush()

    return respond


def stall(seconds: float) -> Responder:
    """Accept the request, say nothing for ``seconds`` (or until the server stops), then answer."""

    def respond(handler: _Handler, _: Recorded) -> None:
        handler.server.state.stopping.wait(seconds)
        send_json(handler, {"data": []})

    return respond


def huge_body(total_bytes: int, *, declare_length: bool) -> Responder:
    """A listing of ``total_bytes`` written in 64 KiB chunks, optionally with its Content-Length."""
    chunk = b'{"id": "padding-model", "object": "model"}, ' * 1489  # ~64 KiB

    def respond(handler: _Handler, _: Recorded) -> None:
        handler.send_response(200)
        handler.send_header("content-type", "application/json")
        if declare_length:
            handler.send_header("content-length", str(total_bytes))
        handler.end_headers()
        handler.wfile.write(b'{"data": [')
        sent = 10
        stopping = handler.server.state.stopping
        while sent < total_bytes and not stopping.is_set():
            handler.wfile.write(chunk)
            sent += len(chunk)

    return respond


def sequence(*responders: Responder) -> Responder:
    """The first request gets the first responder, and so on; the last one repeats."""
    lock = threading.Lock()
    calls = iter(responders)
    last: list[Responder] = [responders[-1]]

    def respond(handler: _Handler, request: Recorded) -> None:
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
