"""Starting the page: bind the socket, print the URL with its token, run uvicorn until Ctrl-C.

The socket is bound here, before uvicorn starts, so that the URL printed names the real port
(``--port 0`` picks a free one) and the ``Host`` check knows it.
"""

from __future__ import annotations

import secrets
import socket
import sys
import threading
import webbrowser
from typing import TYPE_CHECKING, TextIO

from llm_registry.runtime._serve.app import create_app
from llm_registry.runtime._serve.settings import Settings

if TYPE_CHECKING:
    from llm_registry.runtime._keystore import KeyStore
    from llm_registry.runtime._registry import Registry
    from llm_registry.runtime._store.store import ModelStore

__all__ = ["LOOPBACK", "bind", "page_url", "run"]

LOOPBACK = "127.0.0.1"


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0: any free one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock


def allowed_hosts(host: str, port: int) -> set[str]:
    """The ``Host`` header values the page answers to."""
    names = {host, "localhost", LOOPBACK} if host == LOOPBACK else {host}
    return {f"[{name}]:{port}" if ":" in name else f"{name}:{port}" for name in names}


def page_url(host: str, port: int, token: str) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/?token={token}"


def run(
    *,
    registry: Registry,
    store: ModelStore,
    key_store: KeyStore,
    sock: socket.socket,
    open_browser: bool,
    timeout: float,
    out: TextIO = sys.stdout,
) -> None:
    """Serve the page on ``sock`` until interrupted."""
    import uvicorn

    host, port = sock.getsockname()[:2]
    token = secrets.token_urlsafe(32)
    settings = Settings(registry, store, key_store, timeout=timeout)
    app = create_app(
        settings,
        token=token,
        csrf_token=secrets.token_urlsafe(32),
        hosts=allowed_hosts(host, port),
    )
    url = page_url(host, port, token)
    print(f"Settings page for {registry.package}: {url}", file=out, flush=True)
    print(f"Keys are kept in {key_store.location}. Press Ctrl-C to stop.", file=out, flush=True)
    if open_browser:
        threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
    # No access log: the first request's URL holds the token.
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
    uvicorn.Server(config).run(sockets=[sock])
