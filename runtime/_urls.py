"""Base URLs from the user (``--base-url``, ``base_url=``): checked once, the same way everywhere.

A base URL that cannot be used is a :class:`~runtime.ConfigError` before any request: not
http(s), no host, a port or bracketed host that does not parse, or user-info (``user:pass@``),
which would send a credential the runtime does not manage and show it in messages. A URL with
user-info is never echoed back.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from ._errors import ConfigError

__all__ = ["checked_base_url"]

_MAX_ECHOED_CHARS = 200


def checked_base_url(url: str) -> str:
    """``url`` if it can serve as an API root, else a :class:`ConfigError` saying why."""
    shown = "(not shown: it holds an '@')" if "@" in url else repr(url[:_MAX_ECHOED_CHARS])
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 — reading it checks it: a port that is not 0-65535 raises
    except ValueError:
        raise ConfigError(f"invalid base URL {shown}: it does not parse as a URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"invalid base URL {shown}: expected http(s)://host/…")
    if parts.username is not None or parts.password is not None:
        raise ConfigError(
            "invalid base URL: it must not carry credentials (user:password@); "
            "keys come from the environment or the app's settings"
        )
    return url
