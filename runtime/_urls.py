"""Base URLs from the user (``--base-url``, ``base_url=``): checked once, the same way everywhere.

The rules are the registry's own (:func:`llm_registry.runtime._rules.url_problem`), in the
same words a descriptor gets at compile time: http(s) with a host and a port that parses;
plain http only to a loopback host, since the key would otherwise travel in clear text; no
user-info (``user:pass@``), which would send a credential the runtime does not manage; no query
or fragment, since clients append their paths to a base URL (``…/v1?x=1/chat/completions``)
and send the key to the wrong path. A URL with user-info is never echoed back, nor is a query
or fragment (``?key=…`` is how some APIs take a key).

A descriptor's ``base_url`` may be a template: ``{name}`` placeholders (lower-case words joined
by ``_``) that the runtime fills with the user's values (`runtime._endpoint`). The grammar is
here, once, for the compiler and the runtime: :func:`template_names` reads it,
:func:`expand_template` fills it, and :func:`sample_url` fills it with stand-in values so that
the URL rules can be checked on a template.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from llm_registry.runtime._errors import ConfigError
from llm_registry.runtime._rules import url_problem

__all__ = [
    "PLACEHOLDER",
    "checked_base_url",
    "expand_template",
    "sample_url",
    "template_names",
    "template_problem",
]

PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
"""A ``{name}`` placeholder of a base URL template; group 1 is the name."""
VARIABLE_NAME = re.compile(r"[a-z][a-z0-9_]*")
# What stands in for a placeholder when a template is checked: a DNS label and a path segment.
_SAMPLE = "sample"

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


def template_names(url: str) -> tuple[str, ...]:
    """The placeholder names of ``url`` in order of first appearance (none for a plain URL)."""
    return tuple(dict.fromkeys(match.group(1) for match in PLACEHOLDER.finditer(url)))


def template_problem(url: str) -> str | None:
    """What makes ``url`` an unusable template (a stray brace, a malformed name), or None."""
    for match in PLACEHOLDER.finditer(url):
        if not VARIABLE_NAME.fullmatch(match.group(1)):
            return (
                f"placeholder {match.group(0)[:70]!r} is not a variable name (lower-case letters,"
                " digits and '_', starting with a letter)"
            )
    rest = PLACEHOLDER.sub("", url)
    if "{" in rest or "}" in rest:
        return "it holds a '{' or '}' that is not part of a {name} placeholder"
    return None


def expand_template(url: str, values: Mapping[str, str]) -> str:
    """``url`` with every placeholder replaced by its value in ``values`` (which must hold every
    name; values are put in as they are: the caller encodes them)."""
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], url)


def sample_url(url: str, samples: Mapping[str, str] | None = None) -> str:
    """``url`` with each placeholder replaced by its sample (default: a neutral word), for
    checking the URL rules on a template."""
    given = samples or {}
    return PLACEHOLDER.sub(lambda match: given.get(match.group(1)) or _SAMPLE, url)
