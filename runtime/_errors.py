"""The runtime's one exception hierarchy.

Every failure the runtime reports is a :class:`ProviderError`; its ``kind`` is the short
word the CLI prints (``error: <kind>: <message>``)::

    ProviderError                      (base; never raised itself)
    ├── ConfigError                    kind "config": fix the setup, not the request
    │   ├── UnknownProviderError       no provider with that id in the registry
    │   ├── InvalidModelIdError        not "<provider>::<model>"
    │   ├── MissingApiKeyError         the provider needs a key and none was found
    │   └── ModelStoreError            the model database cannot be used (in runtime._store)
    ├── AuthenticationError            kind "auth": the key was refused (401/403)
    ├── RateLimitError                 kind "rate_limit": throttled (429); ``retry_after`` seconds
    ├── ContextLimitError              kind "context_limit": the prompt overflowed the model's window
    ├── ProviderUnavailableError       kind "unavailable": 5xx, timeouts, dropped connections
    └── BadRequestError                kind "bad_request": the provider refused the request (4xx)

The same HTTP status and body give the same class whichever wire format (OpenAI-compatible,
Anthropic, Gemini) carried them; a context-overflow message is a :class:`ContextLimitError`
whatever status it came with.

Messages are one line and never contain an API key: every message that may hold text from a
server goes through :func:`redact` first, and errors raised by the runtime never chain the
SDK or transport exception (whose request object holds the key in its headers).
"""

from __future__ import annotations

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
    "UnknownProviderError",
    "redact",
]

REDACTED = "[REDACTED]"

# Servers echo a masked key back ("Incorrect API key provided: sk-abc1***********wxyz"); the
# visible ends are still part of the key, so any word holding a run of '*' goes too.
_MASKED_KEY_PATTERN = r"[^\s\"',;]*\*{4,}[^\s\"',;.]*"


def redact(text: str, *keys: str | None) -> str:
    """Return ``text`` with every occurrence of each key (and any masked key echo) removed.

    A key holding characters outside printable ASCII is also removed in the escaped forms a
    ``repr`` of it, or of its bytes, would show (``sk-a\\nb``, ``sk-caf\\xc3\\xa9``).
    """
    for key in keys:
        if key:
            text = text.replace(key, REDACTED)
            if not (key.isascii() and key.isprintable()):
                for escaped in (repr(key)[1:-1], repr(key.encode("utf-8", "replace"))[2:-1]):
                    text = text.replace(escaped, REDACTED)
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
