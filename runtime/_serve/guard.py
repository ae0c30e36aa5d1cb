"""The page's gate: every request passes here before any route sees it.

The page holds API keys and changes the user's files, and it listens on a port any local
program — and any web page in the user's browser — can reach. So, like a notebook server:
- **Host**: the request must name the host and port the server was started on (a web page
  that rebinds its own DNS name to 127.0.0.1 still sends its own name here);
- **token**: a random token printed with the URL; a request carrying it as ``?token=`` is
  answered with a cookie (``HttpOnly``, ``SameSite=Strict``) and a redirect to the same URL
  without it, so that the token leaves the address bar; every other request needs the cookie;
- **CSRF**: a request that changes anything (any method but GET and HEAD) needs the page's
  CSRF token in a header and an ``Origin`` equal to the server's own;
- **headers**: every response forbids framing, sniffing, referrers and any script, style or
  connection from another origin; a route may set a stricter policy of its own.
A refusal is a plain 403 saying which rule refused it, and never names a token.
"""

from __future__ import annotations

import hmac
import sys
from collections.abc import Awaitable, Callable, MutableMapping
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, urlencode

__all__ = ["COOKIE", "CSRF_HEADER", "Guard"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

COOKIE = "llm_registry_token"
CSRF_HEADER = "x-csrf-token"
_SAFE_METHODS = frozenset({"GET", "HEAD"})

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
_HEADERS = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
)


class Guard:
    """ASGI middleware enforcing the rules above for ``app``.

    ``hosts`` are the ``Host`` header values accepted (``127.0.0.1:8765``, ``localhost:8765``);
    the same names with ``http://`` are the accepted origins.
    """

    def __init__(self, app: ASGIApp, *, token: str, csrf_token: str, hosts: set[str]) -> None:
        self.app = app
        self.token = token
        self.csrf_token = csrf_token
        self.hosts = frozenset(host.lower() for host in hosts)
        self.origins = frozenset(f"http://{host}" for host in self.hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # lifespan: nothing to guard
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        refusal = self._refusal(scope, headers, query)
        if refusal is not None:
            await _respond(send, 403, refusal)
            return
        if "token" in query:
            await self._exchange_token(scope, send, query)
            return
        try:
            await self.app(scope, receive, _with_headers(send))
        except Exception as error:
            # Starlette has answered 500 already; what reaches the terminal is one line, not a
            # traceback whose frames could hold a key.
            print(f"error: internal: {type(error).__name__} at {scope['path']}", file=sys.stderr)

    def _refusal(self, scope: Scope, headers: dict[str, str], query: dict[str, str]) -> str | None:
        if headers.get("host", "").lower() not in self.hosts:
            return "this server answers only to the address it printed (unexpected Host header)"
        if "token" in query:
            if scope["method"] in _SAFE_METHODS and _same(query["token"], self.token):
                return None
            return "wrong token: open the URL `llm-registry serve` printed"
        if not _same(_cookie(headers), self.token):
            return "missing or wrong token: open the URL `llm-registry serve` printed"
        if scope["method"] not in _SAFE_METHODS:
            if headers.get("origin", "").lower() not in self.origins:
                return "cross-origin request refused"
            if not _same(headers.get(CSRF_HEADER, ""), self.csrf_token):
                return "missing or wrong CSRF token: reload the page"
        return None

    async def _exchange_token(self, scope: Scope, send: Send, query: dict[str, str]) -> None:
        """Answer ``?token=`` with the cookie and a redirect to the same URL without it."""
        rest = urlencode([(k, v) for k, v in query.items() if k != "token"])
        location = scope["path"] + (f"?{rest}" if rest else "")
        cookie = f"{COOKIE}={self.token}; Path=/; HttpOnly; SameSite=Strict"
        await _with_headers(send)(
            {
                "type": "http.response.start",
                "status": 303,
                "headers": [
                    (b"location", location.encode("latin-1")),
                    (b"set-cookie", cookie.encode("latin-1")),
                    (b"content-length", b"0"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": b""})


def _headers(scope: Scope) -> dict[str, str]:
    # A repeated header keeps its last value; for Host, Origin, Cookie and the CSRF header a
    # repetition is already suspicious and the checks compare whole values.
    return {
        name.decode("latin-1").lower(): value.decode("latin-1")
        for name, value in scope.get("headers", [])
    }


def _cookie(headers: dict[str, str]) -> str:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(headers.get("cookie", ""))
    except Exception:  # a malformed Cookie header is the same as none
        return ""
    morsel = jar.get(COOKIE)
    return "" if morsel is None else morsel.value


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8"))


def _with_headers(send: Send) -> Send:
    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            present = {name.lower() for name, _ in message.get("headers", [])}
            extra = [(name, value) for name, value in _HEADERS if name not in present]
            message["headers"] = [*message.get("headers", []), *extra]
        await send(message)

    return sending


async def _respond(send: Send, status: int, text: str) -> None:
    body = f"{text}\n".encode()
    await _with_headers(send)(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
