"""Model-listing dialects: how to ask a provider for its models, and the records its answer is
read into.

Pure functions only: building the request for one page of a listing. Reading a page is
`listing_parsers.py`; the network lives in `fetch.py`; nothing here imports httpx.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final
from urllib.parse import urlsplit

# The anthropic-version header, for listings here and for chat (_chat/anthropic.py).
ANTHROPIC_VERSION: Final = "2023-06-01"
# The largest page each paginated API accepts; fewer round trips for the same listing.
ANTHROPIC_PAGE_SIZE: Final = 1000
GOOGLE_PAGE_SIZE: Final = 1000

_DEFAULT_PATHS: Final[Mapping[str, str]] = {
    "openai": "/models",
    "anthropic": "/models",
    "google": "/models",
    "openrouter": "/models",
    "ollama": "/api/tags",
}

# Attachment kinds a text model always takes: both are inlined into the prompt as text.
TEXT_ATTACHMENTS: Final[tuple[str, ...]] = ("text", "webpage")


class ListingShapeError(ValueError):
    """The decoded body is not a model listing of the expected dialect."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ListedModel:
    """One model as a provider's listing describes it; None means the listing did not say."""

    model_id: str
    display_name: str | None = None
    context_window: int | None = None
    max_output_tokens: int | None = None
    attachments: tuple[str, ...] | None = None
    prompt_price_per_token: float | None = None
    completion_price_per_token: float | None = None
    supports_tools: bool | None = None
    supports_reasoning: bool | None = None


@dataclass(frozen=True, slots=True)
class ListingPage:
    models: tuple[ListedModel, ...]
    # Opaque cursor for the next page, None on the last one.
    next_cursor: str | None = None
    # Entries left out because they are not usable (not an object, no usable model id): counted
    # so that discovery can say so, never dropped in silence.
    unusable: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class ListingRequest:
    url: str
    params: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    # Lower-case names of the headers above that carry the key: never sent to another host.
    credential_headers: frozenset[str] = frozenset()


def listing_url(dialect: str, base_url: str, path: str | None = None) -> str:
    """The listing endpoint: `path` (or the dialect's usual one) under base_url, or, for
    ollama, under the server's origin (its native API is not under the /v1 compatibility root)."""
    if dialect not in _DEFAULT_PATHS:
        raise ValueError(f"dialect {dialect!r} has no listing endpoint")
    suffix = path or _DEFAULT_PATHS[dialect]
    if dialect == "ollama":
        parts = urlsplit(base_url)
        return f"{parts.scheme}://{parts.netloc}{suffix}"
    return base_url.rstrip("/") + suffix


def build_request(
    dialect: str,
    base_url: str,
    *,
    api_key: str | None,
    path: str | None = None,
    cursor: str | None = None,
    extra_headers: Mapping[str, str] | None = None,
) -> ListingRequest:
    """The request for one page of the listing (the first when cursor is None)."""
    headers: dict[str, str] = {"accept": "application/json"}
    # Descriptor headers first, so that they can never replace the credential headers below.
    for name, value in (extra_headers or {}).items():
        headers[name.lower()] = value
    params: dict[str, str] = {}
    credentials: set[str] = set()

    def credential(name: str, value: str) -> None:
        headers[name] = value
        credentials.add(name)

    if dialect == "anthropic":
        headers["anthropic-version"] = ANTHROPIC_VERSION
        if api_key:
            credential("x-api-key", api_key)
        params["limit"] = str(ANTHROPIC_PAGE_SIZE)
        if cursor:
            params["after_id"] = cursor
    elif dialect == "google":
        if api_key:
            credential("x-goog-api-key", api_key)
        params["pageSize"] = str(GOOGLE_PAGE_SIZE)
        if cursor:
            params["pageToken"] = cursor
    elif dialect in ("openai", "openrouter", "ollama"):
        if api_key:
            credential("authorization", f"Bearer {api_key}")
    else:
        raise ValueError(f"dialect {dialect!r} has no listing endpoint")
    return ListingRequest(
        url=listing_url(dialect, base_url, path),
        params=params,
        headers=headers,
        credential_headers=frozenset(credentials),
    )
