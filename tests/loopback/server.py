"""The loopback server: chat streams on POST, mounted routes on GET, every request recorded.

The standard library's ThreadingHTTPServer in a daemon thread (:class:`LoopbackServer`), or
the same server in a process of its own (:func:`own_process`) when the client being measured
must have the interpreter to itself.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

from tests.loopback._http import Handler, Recorded, Responder, Server, State
from tests.loopback.chat import serve_chat
from tests.loopback.replies import Format

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# A server left behind by a crashed parent still goes away after this many seconds.
MAX_LIFETIME = 900.0


def base_url(origin: str, scenario: str, wire_format: Format) -> str:
    """The API root a client should use for ``scenario`` in ``wire_format``."""
    version = "v1beta" if wire_format == "gemini" else "v1"
    return f"{origin}/{scenario}/{version}"


class _RoutingHandler(Handler):
    def do_POST(self) -> None:
        recorded = self.record("POST")
        # A route mounted for the exact POST path (an error body replayed with its status)
        # answers instead of the chat scenarios.
        with self.server.state.lock:
            responder = self.server.state.routes.get(recorded.path)
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client went away
            if responder is not None:
                responder(self, recorded)
            else:
                serve_chat(self, recorded)

    def do_GET(self) -> None:
        recorded = self.record("GET")
        responder = self._route(recorded.path)
        try:
            if responder is None:
                self.send_json({"error": {"message": "not found"}}, status=404)
            else:
                responder(self, recorded)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up, which is what the hostile responders wait for

    def _route(self, path: str) -> Responder | None:
        state = self.server.state
        with state.lock:
            if path in state.routes:
                return state.routes[path]
            for pattern, responder in state.routes.items():
                if "*" in pattern and fnmatchcase(path, pattern):
                    return responder
        return None


class LoopbackServer:
    """A loopback server for LLM clients and listing fetchers::

        with LoopbackServer() as server:
            base_url = server.base_url("ok", "openai")   # http://127.0.0.1:PORT/ok/v1
            ...                                           # POST …/ok/v1/chat/completions
            server.route("/v1/models", json_body({"data": []}))  # GET /v1/models
            server.route("/e/v1/chat/completions", raw_body(b"{}", status=400))  # that POST
            server.requests[-1].json                      # what the client sent

    POST scenarios: :mod:`tests.loopback.chat`; GET responders: :mod:`tests.loopback.responders`.
    A route's path may hold ``*`` (``/*/v1/models``); an exact path wins over a pattern.
    """

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self._state = State()
        self._server = Server((host, 0), _RoutingHandler)
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

    def base_url(self, scenario: str, wire_format: Format) -> str:
        """The API root a client should use for ``scenario`` in ``wire_format``."""
        return base_url(self.origin, scenario, wire_format)

    @property
    def requests(self) -> list[Recorded]:
        with self._state.lock:
            return list(self._state.requests)

    def clear(self) -> None:
        """Forget the requests received so far (the routes stay)."""
        with self._state.lock:
            self._state.requests.clear()

    def route(self, path: str, responder: Responder) -> None:
        with self._state.lock:
            self._state.routes[path] = responder

    def start(self) -> LoopbackServer:
        self._thread.start()
        self._running = True
        return self

    def stop(self) -> None:
        if self._running:
            self._state.stopping.set()  # releases stalled responses
            self._server.shutdown()
            self._running = False
        self._server.server_close()

    def wait(self) -> None:
        """Serve until the server stops (a process of its own has nothing else to do)."""
        self._thread.join()

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


@dataclass(frozen=True)
class RemoteServer:
    """A loopback server in another process: its address only (its request log stays there)."""

    origin: str

    def base_url(self, scenario: str, wire_format: Format) -> str:
        return base_url(self.origin, scenario, wire_format)


@contextmanager
def own_process(*, listing_models: int = 0, listing_delay: float = 0.0) -> Iterator[RemoteServer]:
    """The loopback server in a child process (``python -m tests.loopback``), serving until the
    block ends; with ``listing_models``, every ``GET /<name>/v1/models`` lists that many models
    after ``listing_delay`` seconds (:func:`tests.loopback.responders.model_listing`)."""
    command = [sys.executable, "-m", "tests.loopback"]
    if listing_models:
        command += ["--listing-models", str(listing_models), "--listing-delay", str(listing_delay)]
    process = subprocess.Popen(
        command, cwd=PROJECT_ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        origin = process.stdout.readline().strip()
        if not origin.startswith("http://"):
            raise RuntimeError(f"the loopback server did not start (it printed {origin!r})")
        yield RemoteServer(origin)
    finally:
        if process.stdin is not None:
            process.stdin.close()  # the child's signal to stop
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()
