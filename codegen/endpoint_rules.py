"""The rules over a descriptor's endpoint that a JSON Schema cannot express: the base URL's
``{name}`` placeholders against its ``variables``, the URL rules on the template filled with
sample values, each variable's pattern and default, ``auth`` against ``api_key``, and the fixed
``query`` against the key's own parameter (codes E330-E338, and the URL codes E307-E309).

The placeholder grammar and the value rules are the runtime's own (`runtime._urls`,
`runtime._endpoint`), so a template the compiler accepts is one the runtime can fill.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from llm_registry.codegen.urls import url_problem
from llm_registry.codegen.yaml_loader import JsonPath
from llm_registry.runtime._endpoint import host_names, value_problem
from llm_registry.runtime._urls import sample_url, template_names, template_problem

__all__ = ["CLIENT_OWNED_HEADERS", "check_endpoint"]

ErrorSink = Callable[..., None]  # (path, code, message, *, key=False)

# Headers the HTTP client must own: framing, routing and connection management. A descriptor's
# fixed headers may not set them, and a key cannot travel in them (nor in a cookie).
CLIENT_OWNED_HEADERS = frozenset(
    {
        "host",
        "content-length",
        "content-type",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "te",
        "trailer",
        "upgrade",
        "expect",
    }
)
_NOT_FOR_A_KEY = CLIENT_OWNED_HEADERS | {"cookie"}


def check_endpoint(value: dict[str, Any], error: ErrorSink) -> None:
    """Report every endpoint problem of the descriptor ``value`` through ``error``."""
    base_url = value.get("base_url")
    variables = value.get("variables")
    declared = variables if isinstance(variables, dict) else {}
    if isinstance(base_url, str) and base_url:
        _template(base_url, declared, error)
    samples = _variables(declared, base_url if isinstance(base_url, str) else "", value, error)
    if isinstance(base_url, str) and base_url:
        sample = sample_url(base_url, samples)
        problem = url_problem(sample, allow_loopback_http=True, is_base=True)
        if problem:
            code, message = problem
            shown = message if not template_names(base_url) else f"{message} (with sample values)"
            error(("base_url",), code, shown)
    _auth(value, error)


def _template(base_url: str, declared: dict[str, Any], error: ErrorSink) -> None:
    problem = template_problem(base_url)
    if problem is not None:
        error(("base_url",), "E332", f"base_url is not a usable template: {problem}")
        return
    used = template_names(base_url)
    for name in used:
        if name not in declared:
            error(
                ("base_url",),
                "E330",
                f"base_url uses {{{name}}}, which is not declared under variables",
            )
    for name in declared:
        if name not in used:
            error(
                ("variables", name),
                "E331",
                f"variable {name!r} is declared but base_url has no {{{name}}}",
                key=True,
            )


def _variables(
    declared: dict[str, Any], base_url: str, value: dict[str, Any], error: ErrorSink
) -> dict[str, str]:
    """Check each variable; return the sample value (default, else placeholder) of each."""
    in_host = host_names(base_url) if template_problem(base_url) is None else set()
    api_key = value.get("api_key")
    key_env = api_key.get("env") if isinstance(api_key, dict) else None
    samples: dict[str, str] = {}
    for name, spec in declared.items():
        if not isinstance(spec, dict):
            continue
        path: JsonPath = ("variables", name)
        pattern = spec.get("pattern")
        if isinstance(pattern, str):
            try:
                re.compile(pattern)
            except (re.error, RecursionError, OverflowError) as exc:
                error((*path, "pattern"), "E333", f"pattern of {name!r} is not a regex: {exc}")
                pattern = None
        else:
            pattern = None
        if key_env is not None and spec.get("env") == key_env:
            message = f"variable {name!r} reads {key_env}, the key's own variable"
            error((*path, "env"), "E337", message)
        for field, checked_pattern in (("default", pattern), ("placeholder", None)):
            sample = spec.get(field)
            if not isinstance(sample, str) or not sample:
                continue
            if field == "placeholder" and isinstance(spec.get("default"), str):
                continue  # the default is the sample; a placeholder is only a hint then
            problem = value_problem(sample, checked_pattern, in_host=name in in_host)
            if problem is not None:
                error((*path, field), "E334", f"the {field} of {name!r} {problem}")
            else:
                samples.setdefault(name, sample)
    return samples


def _auth(value: dict[str, Any], error: ErrorSink) -> None:
    auth = value.get("auth")
    if not isinstance(auth, dict):
        return
    kind, name = auth.get("type"), auth.get("name")
    keyless = value.get("api_key", "absent") is None
    if kind in ("header", "query") and not isinstance(name, str):
        error(("auth",), "E335", f"auth type {kind!r} needs the name of the {kind}")
    if kind in ("bearer", "none") and name is not None:
        error(("auth", "name"), "E335", f"auth type {kind!r} takes no name", key=True)
    if kind == "header" and isinstance(name, str) and name.lower() in _NOT_FOR_A_KEY:
        error(("auth", "name"), "E335", f"header {name!r} is set by the HTTP client, not a key")
    if kind == "none" and not keyless:
        error(("auth", "type"), "E336", "auth type 'none' needs api_key: null (no key to send)")
    if kind in ("bearer", "header", "query") and keyless:
        error(("auth", "type"), "E336", f"auth type {kind!r} sends a key, but api_key is null")
    query = value.get("query")
    if kind == "query" and isinstance(name, str) and isinstance(query, dict) and name in query:
        error(
            ("query", name),
            "E338",
            f"query parameter {name!r} carries the key (auth); it cannot be fixed too",
            key=True,
        )
