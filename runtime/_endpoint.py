"""Where a request goes and how it carries the key: a descriptor's base URL with its variables
filled in, and its ``auth`` and ``query`` sections turned into headers and query parameters.

A base URL may hold ``{name}`` placeholders declared under the descriptor's ``variables``
(an Azure resource, an AWS region, a Google Cloud project). Each value is looked for in the
caller's ``variables`` mapping (provider id → name → value), then in the variable's environment
variable, then in the key store under ``"<provider id>:<name>"``, then in its default. A value
must fully match the variable's pattern and may not hold anything that would change the URL's
structure (``/``, ``?``, ``#``, ``@``, ``:``, ``%``, ``\\``, braces, white space); what is left is
percent-encoded, and a placeholder in the host name takes letters, digits, hyphens and dots. A
variable without a value is a :class:`ConfigError` naming it, raised before any request: no
request ever goes to a URL with a brace in it.

The key goes where ``auth`` says: ``bearer`` (``Authorization: Bearer``), ``header`` (the
named header, e.g. Azure's ``api-key``) or ``query`` (the named query parameter); ``none``, or
``api_key: null``, sends none. Without an ``auth`` section each wire format sends it its own
way (a bearer token for OpenAI-compatible servers, ``x-api-key`` for Anthropic,
``x-goog-api-key`` for Gemini). The fields are read with ``getattr`` and defaults, so packages
generated before these sections existed work unchanged.

Variable values are not secrets, but a key pasted into the wrong field may be: messages name
the variable and where its value came from, never the value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from llm_registry.runtime._errors import ConfigError
from llm_registry.runtime._keys import locate_variable
from llm_registry.runtime._urls import (
    PLACEHOLDER,
    checked_base_url,
    expand_template,
    template_names,
)

if TYPE_CHECKING:
    from llm_registry.runtime._descriptor import ProviderDescriptor, Variable
    from llm_registry.runtime._keystore import KeyStore

__all__ = [
    "Credentials",
    "VariableValues",
    "auth_kind",
    "credentials",
    "endpoint_base_url",
    "host_names",
    "resolve_variables",
    "value_problem",
    "variable_problem",
    "variable_store_name",
    "with_query",
]

VariableValues = Mapping[str, Mapping[str, str]]
"""Values of base-URL variables by provider id, then variable name."""

# Characters that would change a URL's structure wherever a value lands in it.
_STRUCTURAL: Final = re.compile(r"[/?#@:%\\{}\[\]\s\x00-\x1f\x7f]")
# A placeholder in the host takes a label or several (a Databricks workspace host, say).
_HOST_NAME: Final = re.compile(r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*")
_UNRESERVED: Final = "-._~"


@dataclass(frozen=True, slots=True)
class Credentials:
    """The key as a request carries it: headers and query parameters (the descriptor's fixed
    query included), and which of them hold the key (never sent to another host)."""

    headers: Mapping[str, str] = field(default_factory=dict)
    params: Mapping[str, str] = field(default_factory=dict)
    secret_headers: frozenset[str] = frozenset()
    secret_params: frozenset[str] = frozenset()

    @property
    def holds_key(self) -> bool:
        return bool(self.secret_headers or self.secret_params)


def with_query(url: str, params: Mapping[str, str]) -> str:
    """``url`` with ``params`` added to its query (``url`` unchanged when there are none)."""
    if not params:
        return url
    from urllib.parse import urlencode

    return url + ("&" if "?" in url else "?") + urlencode(params)


def variable_store_name(provider_id: str, name: str) -> str:
    """The key-store entry holding a variable's value: ``"<provider id>:<name>"``."""
    return f"{provider_id}:{name}"


def _variables(descriptor: ProviderDescriptor) -> Mapping[str, Variable]:
    return getattr(descriptor, "variables", None) or {}


def auth_kind(descriptor: ProviderDescriptor) -> tuple[str | None, str | None]:
    """(kind, name): ``"none"`` for a keyless provider, None when the descriptor leaves it to
    the wire format, else ``"bearer"``, ``"header"`` or ``"query"`` with the header's or
    parameter's name."""
    if descriptor.api_key is None:
        return "none", None
    auth = getattr(descriptor, "auth", None)
    if auth is None:
        return None, None
    kind: object = auth.type
    return str(getattr(kind, "value", kind)), getattr(auth, "name", None)


def credentials(
    descriptor: ProviderDescriptor,
    api_key: str | None,
    *,
    native_header: str = "authorization",
    native_prefix: str | None = None,
) -> Credentials:
    """Where ``api_key`` goes for ``descriptor``: as its ``auth`` says, else in the wire
    format's own header (``native_header``, the key after ``native_prefix``: by default
    ``"Bearer "`` in ``authorization``, nothing in any other header)."""
    params = dict(getattr(descriptor, "query", None) or {})
    kind, name = auth_kind(descriptor)
    if not api_key or kind == "none":
        return Credentials(params=params)
    if kind == "query" and name:
        params[name] = api_key
        return Credentials(params=params, secret_params=frozenset({name}))
    if kind == "header" and name:
        header, value = name.lower(), api_key
    elif kind == "bearer":
        header, value = "authorization", f"Bearer {api_key}"
    else:
        if native_prefix is None:
            native_prefix = "Bearer " if native_header == "authorization" else ""
        header, value = native_header, native_prefix + api_key
    return Credentials({header: value}, params, secret_headers=frozenset({header}))


def endpoint_base_url(
    descriptor: ProviderDescriptor,
    override: str | None = None,
    values: Mapping[str, str] | None = None,
) -> str:
    """The API root a request goes to, without a trailing ``/``: ``override`` when given (a
    proxy, a test server; checked like any base URL), else the descriptor's with its variables
    filled in from ``values`` (name → value), the environment and the defaults (the key store
    is :func:`resolve_variables`' to consult)."""
    if override:
        return checked_base_url(override).rstrip("/")
    url = descriptor.base_url
    if "{" not in url and "}" not in url:
        return url.rstrip("/")
    given = {descriptor.id: values} if values else None
    filled = resolve_variables(descriptor, given, key_store=None)
    return _expanded(descriptor, filled)


def _expanded(descriptor: ProviderDescriptor, values: Mapping[str, str]) -> str:
    from urllib.parse import quote

    encoded = {name: quote(value, safe=_UNRESERVED) for name, value in values.items()}
    url = expand_template(descriptor.base_url, encoded)
    if "{" in url or "}" in url:  # a brace in a default or pattern-free value: never sent
        raise ConfigError(
            f"the base URL of {descriptor.display_name} still holds a brace after its"
            " variables were filled in",
            provider_id=descriptor.id,
        )
    return checked_base_url(url).rstrip("/")


def resolve_variables(
    descriptor: ProviderDescriptor,
    variables: VariableValues | None,
    *,
    key_store: KeyStore | None,
) -> dict[str, str]:
    """Every placeholder of ``descriptor``'s base URL → its checked value (percent-encoded
    when the URL is filled in):
    from ``variables``, the environment, ``key_store`` (skipped when None), the default (see
    :func:`~llm_registry.runtime._keys.locate_variable`).
    Raises :class:`ConfigError` naming the first variable without a usable value."""
    values: dict[str, str] = {}
    for name in template_names(descriptor.base_url):
        found = locate_variable(descriptor, name, variables, key_store=key_store)
        if found is None:
            spec = _variables(descriptor).get(name)
            raise ConfigError(_missing_message(descriptor, name, spec), provider_id=descriptor.id)
        problem = variable_problem(descriptor, name, found.value)
        if problem is not None:
            source = f"the value given for {name!r}" if found.source == "explicit" else found.where
            raise ConfigError(
                f"the {descriptor.display_name} variable {name!r} (from {source}) {problem}",
                provider_id=descriptor.id,
            )
        values[name] = found.value
    return values


def variable_problem(descriptor: ProviderDescriptor, name: str, value: str) -> str | None:
    """Why ``value`` cannot fill ``descriptor``'s placeholder ``name`` (its pattern, and the
    host name's rule when the placeholder is in the host), or None."""
    spec = _variables(descriptor).get(name)
    in_host = name in host_names(descriptor.base_url)
    return value_problem(value, spec.pattern if spec is not None else None, in_host=in_host)


def value_problem(value: str, pattern: str | None, *, in_host: bool) -> str | None:
    """Why ``value`` cannot fill a placeholder (the compiler checks defaults with this too)."""
    if _STRUCTURAL.search(value):
        return (
            "holds a character that would change the URL's structure ('/', '?', '#', '@', ':',"
            " '%', a brace, white space or a control character)"
        )
    if pattern is not None and re.fullmatch(pattern, value) is None:
        return f"does not match its pattern {pattern!r}"
    if in_host and not _HOST_NAME.fullmatch(value):
        return "is part of the host name, so it may hold only letters, digits, '-' and '.'"
    return None


def host_names(template: str) -> set[str]:
    """Names of the placeholders in the template's scheme and host part."""
    scheme_end = template.find("//")
    start = scheme_end + 2 if scheme_end >= 0 else 0
    slash = template.find("/", start)
    authority = template[: slash if slash >= 0 else len(template)]
    return {match.group(1) for match in PLACEHOLDER.finditer(authority)}


def _missing_message(descriptor: ProviderDescriptor, name: str, spec: Variable | None) -> str:
    label = f" ({spec.label})" if spec is not None else ""
    env = spec.env if spec is not None else None
    where = f"set {env}, " if env else ""
    return (
        f"{descriptor.display_name} needs a value for {{{name}}}{label} in its base URL: "
        f"{where}pass variables={{{descriptor.id!r}: {{{name!r}: …}}}}, or store it in the key"
        f" store under {variable_store_name(descriptor.id, name)!r}; no request was sent"
    )
