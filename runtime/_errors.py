"""The runtime's one exception hierarchy.

Every failure the runtime reports is a :class:`ProviderError`; its ``kind`` is the short
word the CLI prints (``error: <kind>: <message>``)::

    ProviderError                      (base; never raised itself)
    ├── ConfigError                    kind "config": fix the setup, not the request
    │   ├── UnknownProviderError       no provider with that id in the registry
    │   ├── InvalidModelIdError        not "<provider>::<model>"
    │   ├── MissingApiKeyError         the provider needs a key and none was found
    │   └── ModelStoreError            the model database cannot be used (see _store)
    ├── AuthenticationError            kind "auth": the key was refused (401/403)
    ├── RateLimitError                 kind "rate_limit": throttled (429); ``retry_after`` seconds
    ├── ContextLimitError              kind "context_limit": the prompt overflowed the window
    ├── ProviderUnavailableError       kind "unavailable": 5xx, timeouts, dropped connections
    └── BadRequestError                kind "bad_request": the provider refused the request (4xx)

The same HTTP status and body give the same class whichever wire format (OpenAI-compatible,
Anthropic, Gemini) carried them; a context-overflow message is a :class:`ContextLimitError`
whatever status it came with.

Messages are one line and never contain an API key: every message that may hold text from a
server goes through :func:`redact` first, and errors raised by the runtime never chain the
SDK or transport exception (whose request object holds the key in its headers). A reply's
own text is the model's output and reaches the app unchanged; :class:`StreamRedactor` is what
``llm-registry chat`` passes it through before printing it, since a server may echo a key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = [
    "AuthenticationError",
    "BadRequestError",
    "ConfigError",
    "ContextLimitError",
    "InvalidModelIdError",
    "MissingApiKeyError",
    "ProviderError",
    "ProviderUnavailableError",
    "RateLimitError",
    "StreamRedactor",
    "UnknownProviderError",
    "key_detector",
    "redact",
]

REDACTED = "[REDACTED]"

# Servers echo a masked key back ("Incorrect API key provided: sk-abc1***********wxyz"); the
# visible ends are still part of the key, so any word holding a run of '*' goes too.
_MASKED_KEY_PATTERN = r"[^\s\"',;]*\*{4,}[^\s\"',;.]*"

# Servers also echo a key upper-cased, cut short or percent-encoded, so any run of this many
# characters of a key (or of its encoded forms) is removed, whatever its case. Shorter runs
# are left: they could be ordinary words, and say too little of a key to matter.
MIN_KEY_FRAGMENT = 12
# A "key" shorter than this is a placeholder for a local server that takes none (``x``,
# ``mock``, ``ollama``), not a secret: it is neither removed from text nor used to judge it,
# since removing every "x" from a message (or every model whose id holds "mock") would mangle
# far more than it protects.
MIN_SECRET_LENGTH = 8

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _key_forms(key: str) -> set[str]:
    """The ways ``key`` shows up in a server's text or in a Python message, lower-cased."""
    from urllib.parse import quote, quote_plus

    forms = {key, quote(key, safe=""), quote(key), quote_plus(key)}
    if not (key.isascii() and key.isprintable()):
        # What a repr of the key, or of its bytes, shows: sk-a\nb, sk-caf\xc3\xa9.
        forms.update((repr(key)[1:-1], repr(key.encode("utf-8", "replace"))[2:-1]))
    return {form.translate(_ASCII_LOWER) for form in forms}


def _key_pieces(keys: tuple[str | None, ...]) -> dict[int, frozenset[str]]:
    """Every run of :data:`MIN_KEY_FRAGMENT` characters of each key's forms (a shorter form
    whole), lower-cased and grouped by length."""
    by_width: dict[int, set[str]] = {}
    for key in keys:
        if key and len(key) >= MIN_SECRET_LENGTH:
            for form in _key_forms(key):
                width = min(len(form), MIN_KEY_FRAGMENT)
                group = by_width.setdefault(width, set())
                group.update(form[i : i + width] for i in range(len(form) - width + 1))
    return {width: frozenset(group) for width, group in by_width.items()}


def _key_spans(text: str, pieces: dict[int, frozenset[str]]) -> list[tuple[int, int]]:
    """Where ``text`` holds one of ``pieces``: sorted, merged spans."""
    if not pieces:
        return []
    lowered = text.translate(_ASCII_LOWER)
    spans: list[tuple[int, int]] = []
    for width, group in pieces.items():
        spans += (
            (i, i + width)
            for i in range(len(lowered) - width + 1)
            if lowered[i : i + width] in group
        )
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def key_detector(*keys: str | None) -> Callable[[str], bool]:
    """A test for whether a text holds one of ``keys``, or a piece :func:`redact` would remove;
    built once, for checking many texts (every entry of a model listing, say)."""
    pieces = _key_pieces(keys)
    return lambda text: bool(_key_spans(text, pieces))


class StreamRedactor:
    """:func:`redact` for text that arrives in pieces, such as a streamed reply: a key split
    across two pieces is still removed. ``feed`` returns what is safe to show now, holding back
    only an ending that could be the start of a key (a few characters at most) until the next
    piece tells; ``finish`` returns the rest. With no key to remove, text passes through."""

    def __init__(self, *keys: str | None) -> None:
        self._pieces = _key_pieces(keys)
        # Every shorter run of a key's characters: the endings that must wait for more text.
        self._starts = frozenset(
            piece[:length]
            for group in self._pieces.values()
            for piece in group
            for length in range(1, len(piece))
        )
        self._pending = ""

    def feed(self, text: str) -> str:
        if not self._pieces:
            return text
        pending = self._pending + text
        cut = len(pending) - self._unsettled_ending(pending)
        for start, end in _key_spans(pending, self._pieces):
            if start < cut < end:  # never cut through a key: hold all of it back
                cut = start
                break
        self._pending = pending[cut:]
        return _redacted(pending[:cut], self._pieces) if cut > 0 else ""

    def finish(self) -> str:
        rest, self._pending = self._pending, ""
        return _redacted(rest, self._pieces) if rest else ""

    def _unsettled_ending(self, text: str) -> int:
        """Length of the longest ending of ``text`` that could begin a run of a key."""
        lowered = text[-MIN_KEY_FRAGMENT:].translate(_ASCII_LOWER)
        for length in range(len(lowered), 0, -1):
            if lowered[-length:] in self._starts:
                return length
        return 0


def _replace(text: str, spans: list[tuple[int, int]], marker: str) -> str:
    parts: list[str] = []
    done = 0
    for start, end in spans:
        parts += (text[done:start], marker)
        done = end
    parts.append(text[done:])
    return "".join(parts)


def redact(text: str, *keys: str | None) -> str:
    """Return ``text`` with each key removed, in any case, and in the forms a server or Python
    may echo it: cut short (any :data:`MIN_KEY_FRAGMENT` characters in a row), percent-encoded,
    escaped by a ``repr`` (``sk-a\\nb``, ``sk-caf\\xc3\\xa9``), or masked with ``****``."""
    return _redacted(text, _key_pieces(keys))


def _redacted(text: str, pieces: dict[int, frozenset[str]]) -> str:
    spans = _key_spans(text, pieces)
    while spans:
        marked = _replace(text, spans, REDACTED)
        if not _key_spans(marked, pieces):
            text = marked
            break
        # The marker and what is next to it spell a key again (a key made of the marker's
        # letters): drop the pieces without a marker, and look again at what is left.
        text = _replace(text, spans, "")
        spans = _key_spans(text, pieces)
    if "****" in text:
        import re

        text = re.sub(_MASKED_KEY_PATTERN, REDACTED, text)
    return text


class ProviderError(Exception):
    """Base of every error the runtime raises.

    ``provider_id`` names the provider involved, when one is; ``status_code`` is the HTTP
    status that carried the error, when there was one.
    """

    kind: str = "error"

    def __init__(
        self,
        message: str,
        *,
        provider_id: str | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.provider_id = provider_id
        self.status_code = status_code

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class ConfigError(ProviderError):
    """The request cannot go out as configured (unknown provider, bad model id, no key)."""

    kind = "config"


class UnknownProviderError(ConfigError):
    """No provider with this id exists in the registry."""


class InvalidModelIdError(ConfigError):
    """A model id is not of the form ``"<provider>::<model>"``."""


class MissingApiKeyError(ConfigError):
    """The provider needs an API key and none was supplied or found in the environment."""


class AuthenticationError(ProviderError):
    """The provider refused the API key (HTTP 401 or 403)."""

    kind = "auth"


class RateLimitError(ProviderError):
    """The provider is throttling requests (HTTP 429).

    ``retry_after`` is how many seconds the provider asked to wait, when it said.
    """

    kind = "rate_limit"

    def __init__(
        self,
        message: str,
        *,
        provider_id: str | None = None,
        status_code: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, provider_id=provider_id, status_code=status_code)
        self.retry_after = retry_after


class ContextLimitError(ProviderError):
    """The conversation is longer than the model's context window."""

    kind = "context_limit"


class ProviderUnavailableError(ProviderError):
    """The provider could not answer: a 5xx, a timeout, a refused or dropped connection."""

    kind = "unavailable"


class BadRequestError(ProviderError):
    """The provider refused the request itself (HTTP 400, 404, 422, …)."""

    kind = "bad_request"
