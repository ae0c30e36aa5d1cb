"""Base URLs from the user (``--base-url``, ``base_url=``): checked once, the same way everywhere.

The rules are the registry's own (:func:`llm_registry.runtime._rules.url_problem`), in the
same words a descriptor gets at compile time: http(s) with a host and a port that parses;
plain http only to a loopback host, since the key would otherwise travel in clear text; no
user-info (``user:pass@``), which would send a credential the runtime does not manage; no query
or fragment, since clients append their paths to a base URL (``…/v1?x=1/chat/completions``)
and send the key to the wrong path. A URL with user-info is never echoed back, nor is a query
or fragment (``?key=…`` is how some APIs take a key).
"""

from __future__ import annotations

from llm_registry.runtime._errors import ConfigError
from llm_registry.runtime._rules import url_problem

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
    problem = url_problem(url, allow_loopback_http=True, is_base=True)
    if problem is not None:
        raise ConfigError(f"invalid base URL {shown}: {problem[1]}")
    return url
