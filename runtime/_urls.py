"""Base URLs from the user (``--base-url``, ``base_url=``): checked once, the same way everywhere.

A base URL that cannot be used is a :class:`~runtime.ConfigError` before any request: not
http(s), no host, a port or bracketed host that does not parse, user-info (``user:pass@``),
which would send a credential the runtime does not manage and show it in messages, or a query
or fragment: clients append their paths to a base URL, which would put them inside the query
(``…/v1?x=1/chat/completions``) and send the key to the wrong path. A URL with user-info is
never echoed back, nor is a query or fragment (``?key=…`` is how some APIs take a key).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from llm_registry.runtime._errors import ConfigError

__all__ = ["checked_base_url"]

_MAX_ECHOED_CHARS = 200


def checked_base_url(url: str) -> str:
    """``url`` if it can serve as an API root, else a :class:`ConfigError` saying why."""
    # A query or fragment is shown as "?…" / "#…": either may carry a credential.
    cut = min((i for i in (url.find("?"), url.find("#")) if i >= 0), default=len(url))
    elided = url[cut : cut + 1] + "…" if cut < len(url) else ""
    shown = (
        "(not shown: it holds an '@')"
        if "@" in url
        else repr(url[: min(cut, _MAX_ECHOED_CHARS)] + elided)
    )
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
    # "?" and "#" can only be delimiters here (in a path they are percent-encoded), so an
    # empty query ("…/v1?") counts too.
    if elided:
        part = "a query" if elided.startswith("?") else "a fragment"
        raise ConfigError(
            f"invalid base URL {shown}: it must not carry {part}; give the API root alone, "
            "e.g. https://host/v1"
        )
    return url
