"""Rules of the registry format that the compiler and the runtime both apply, kept once.

The model-id grammar, the names of wire formats, listing dialects and attachment kinds, and
the rules for any URL a key is sent to. Standard library only, imported by
``llm_registry.codegen`` too, so that a descriptor the compiler accepts is one the runtime can
serve, and a URL the runtime refuses is refused in the same words a compile error would use.
The descriptor JSON Schema repeats the names as enums; a test keeps the two equal.
"""

from __future__ import annotations

import re
from typing import Final, Literal, get_args

__all__ = [
    "ATTACHMENT_KINDS",
    "DIALECTS",
    "IMPLEMENTATIONS",
    "MAX_DISPLAY_NAME",
    "MAX_MODEL_ID",
    "MODEL_ID_SEPARATOR",
    "UNSAFE_TEXT",
    "Dialect",
    "Implementation",
    "UrlProblem",
    "is_loopback_host",
    "model_id_problem",
    "url_problem",
]

# --- model ids -----------------------------------------------------------------------------------

MODEL_ID_SEPARATOR: Final = "::"
"""Between the provider id and the provider's own model id: ``"openrouter::meta-llama/x"``."""
MAX_MODEL_ID: Final = 256
MAX_DISPLAY_NAME: Final = 200
UNSAFE_TEXT: Final = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
"""Control characters, line separators and bidirectional controls: never part of an id or
of text shown on one line."""
# The same, plus white space (``\s`` is exactly what ``str.isspace`` accepts): one search per
# id instead of a Python-level loop over its characters (a listing checks every entry's id).
_UNSAFE_IN_ID: Final = re.compile(UNSAFE_TEXT.pattern[:-1] + r"\s]")


def model_id_problem(model: str) -> str | None:
    """What makes ``model`` unusable as a provider's model id (the part after ``::``), or None."""
    if not model:
        return "it is empty"
    if len(model) > MAX_MODEL_ID:
        return f"it is longer than {MAX_MODEL_ID} characters"
    if MODEL_ID_SEPARATOR in model:
        return f"it contains {MODEL_ID_SEPARATOR!r}, which separates provider and model"
    if _UNSAFE_IN_ID.search(model):
        return "it contains white space or control characters"
    return None


# --- names ---------------------------------------------------------------------------------------

Implementation = Literal["openai_compatible", "openai_responses", "anthropic", "google"]
IMPLEMENTATIONS: Final[tuple[str, ...]] = get_args(Implementation)
"""Wire formats the runtime speaks."""
Dialect = Literal["openai", "anthropic", "google", "ollama", "openrouter", "none"]
DIALECTS: Final[tuple[str, ...]] = get_args(Dialect)
"""Shapes of a provider's model listing; ``none`` disables live discovery."""
ATTACHMENT_KINDS: Final = ("text", "image", "pdf", "webpage")

# --- URLs a key is sent to -----------------------------------------------------------------------

UrlProblem = Literal["invalid", "insecure", "credentials"]


def is_loopback_host(host: str) -> bool:
    """``localhost`` or a loopback address: where plain http cannot be overheard."""
    if host.lower() == "localhost":
        return True
    import ipaddress  # here: the runtime's lookups import this module and need no URL parsing

    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def url_problem(
    url: str, *, allow_loopback_http: bool, is_base: bool
) -> tuple[UrlProblem, str] | None:
    """(kind, reason) for the first thing wrong with ``url``, or None.

    ``allow_loopback_http``: plain http is accepted for loopback hosts (local servers); https
    is required everywhere else, since a key would travel in clear text. ``is_base``: the URL
    is an API root that paths are appended to, so a query or fragment is refused (the paths
    would land inside it). The reason does not repeat the URL: callers show it as they must
    (the runtime elides queries, which may hold a key).
    """
    from urllib.parse import urlsplit

    if any(character.isspace() for character in url):
        return "invalid", "it is not a valid URL: it contains white space"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - reading it checks it: a port outside 0-65535 raises
        host = parts.hostname
    except ValueError as error:
        return "invalid", f"it does not parse as a URL ({error})"
    if parts.scheme not in ("http", "https") or not host:
        return "invalid", "it is not a valid URL: expected http(s)://host/…"
    if parts.username is not None or parts.password is not None:
        return "credentials", "it must not carry credentials (user:password@); keys go elsewhere"
    # "?" and "#" can only be delimiters here (in a path they are percent-encoded), so an empty
    # query ("…/v1?") counts too.
    if is_base and ("?" in url or "#" in url):
        return "invalid", "it must not carry a query or fragment; give the API root alone"
    if parts.scheme == "http":
        if not allow_loopback_http:
            return "insecure", "it must use https"
        if not is_loopback_host(host):
            return (
                "insecure",
                "it uses plain http for a non-loopback host, so a key would travel in clear"
                " text; use https (http is for localhost only)",
            )
    return None
