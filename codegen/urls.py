"""URL rules for descriptors: the runtime's own rules (llm_registry.runtime._rules), as codes."""

from __future__ import annotations

from llm_registry.runtime._rules import is_loopback_host
from llm_registry.runtime._rules import url_problem as _url_problem

__all__ = ["is_loopback_host", "url_problem"]

_CODES = {"invalid": "E307", "insecure": "E308", "credentials": "E309"}


def url_problem(url: str, *, allow_loopback_http: bool, is_base: bool) -> tuple[str, str] | None:
    """(diagnostic code, message) for the first thing wrong with url, or None."""
    problem = _url_problem(url, allow_loopback_http=allow_loopback_http, is_base=is_base)
    if problem is None:
        return None
    kind, reason = problem
    # Credentials are not echoed back, even into a compile error.
    shown = "URL" if kind == "credentials" else f"URL {url[:200]!r}"
    return _CODES[kind], f"{shown}: {reason}"
