"""The HTTP layer the loopback server's parts share: the request log, and a handler that writes
plain bodies, chunked event streams and cut connections.

Chat streams (POST) and mounted routes (GET) are written through these primitives only, so a
responder never builds a body the handler could not also send in pieces.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class Recorded:
    """One request the server received."""

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]  # lower-case names
    body: bytes = b""

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


# A mounted GET route: writes the whole response for one request.
Responder = Callable[["Handler", Recorded], None]


@dataclass
class State:
    """What every request of one server shares: its routes, its request log, its stop signal."""

    routes: dict[str, Responder] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stopping: threading.Event = field(default_factory=threading.Event)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    # Benchmarks connect many clients at once; the default backlog of 5 would make some wait
    # for a SYN retry (a second on Linux) and bill that to the client being measured.
    request_queue_size = 128
    state: State

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that stops reading (the point of several scenarios) is not a server bug;
        # printing it would land in whichever test's captured stderr happens to be running.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class Handler(BaseHTTPRequestHandler):
    """Writes responses; subclasses decide which one a request gets."""

    protocol_version = "HTTP/1.1"
    server: Server

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep the test output clean

    @property
    def stopping(self) -> threading.Event:
        """Set when the server stops: anything that waits or loops must watch it."""
        return self.server.state.stopping

    def record(self, method: str) -> Recorded:
        """Read the request (its body too) and append it to the server's log."""
        parts = urlsplit(self.path)
        length = int(self.headers.get("content-length") or 0)
        recorded = Recorded(
            method=method,
            path=parts.path,
            query={k: v[-1] for k, v in parse_qs(parts.query).items()},
            headers={k.lower(): v for k, v in self.headers.items()},
            body=self.rfile.read(length) if length else b"",
        )
        with self.server.state.lock:
            self.server.state.requests.append(recorded)
        return recorded

    # Whole bodies.

    def send_json(
        self, payload: object, *, status: int = 200, headers: Mapping[str, str] | None = None
    ) -> None:
        self.send_raw(json.dumps(payload).encode(), status=status, headers=headers)

    def send_raw(
        self,
        data: bytes,
        *,
        status: int = 200,
        content_type: str = "application/json",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def send_redirect(self, location: str, status: int = 302) -> None:
        self.send_response(status)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    # Event streams, chunked.

    def start_stream(self, content_type: str = "text/event-stream") -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()

    def chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def event(self, data: object, event: str | None = None) -> None:
        text = data if isinstance(data, str) else json.dumps(data)
        prefix = f"event: {event}\n" if event else ""
        self.chunk(f"{prefix}data: {text}\n\n".encode())

    def end_stream(self) -> None:
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def cut_connection(self) -> None:
        self.wfile.flush()
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)
