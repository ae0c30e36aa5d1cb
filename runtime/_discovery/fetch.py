"""Fetching a provider's model listing over HTTP: every page, under one deadline, within caps.

A server that misbehaves (never answers, trickles bytes, sends hundreds of megabytes, redirects
elsewhere, refuses the key, throttles, fails, pages in a loop, or answers with something that is
not a listing) ends in a :class:`ProviderError` with a one-line, key-free reason, never in
another exception. The whole listing, every page and redirect included, runs under one deadline;
bodies are read in chunks up to a size cap; a redirect to another origin is not followed while
the request carries a key, in any header or query parameter (httpx drops ``Authorization`` on
such a redirect but keeps ``x-api-key``, ``x-goog-api-key``, ``api-key`` and the query). The key
goes where the descriptor's ``auth`` says (`runtime._endpoint`), with its fixed ``query``. An
error status becomes the error a chat stream would raise for it (`runtime._error_mapping`).
This module runs the pages under the deadline and places the key; getting one page (redirects,
status, capped body) is `_discovery.page_fetch`.

httpx is imported inside the functions that fetch, so that ``import llm_registry.runtime``
does not load it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Final

from llm_registry.runtime._discovery.dialects import (
    ListedModel,
    ListingPage,
    ListingRequest,
    ListingShapeError,
    build_request,
    listing_url,
)
from llm_registry.runtime._discovery.listing_parsers import parse_page
from llm_registry.runtime._discovery.page_fetch import get_json_page, where
from llm_registry.runtime._encoding import UNCOMPRESSED
from llm_registry.runtime._endpoint import auth_kind, credentials
from llm_registry.runtime._errors import (
    ProviderError,
    ProviderUnavailableError,
    key_detector,
    redact,
)
from llm_registry.runtime._registry import discovery_dialect
from llm_registry.runtime._tls import shared_ssl_context

if TYPE_CHECKING:
    from llm_registry.runtime._descriptor import ProviderDescriptor

__all__ = ["DEFAULT_MAX_BYTES", "DEFAULT_TIMEOUT", "Listing", "fetch_listing"]

DEFAULT_TIMEOUT: Final = 5.0  # seconds for the whole listing: connect, every page, every byte
# The largest listings (OpenRouter's, a few hundred models with descriptions) are a few MB.
DEFAULT_MAX_BYTES: Final = 32 * 1024 * 1024
MAX_PAGES: Final = 100
USER_AGENT: Final = "llm-provider-registry (model discovery)"


@dataclass(frozen=True, slots=True)
class Listing:
    """The models a listing offered, and how many of its entries were left out (no usable id,
    or an echo of the key): those are counted and reported, never dropped in silence."""

    models: tuple[ListedModel, ...]
    refused: int = 0


async def fetch_listing(
    descriptor: ProviderDescriptor,
    base_url: str,
    api_key: str | None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Listing:
    """Every page of the provider's listing, or a :class:`ProviderError` saying why not.

    Every failure is turned into a ProviderError with a one-line, key-free message; the
    transport's own exceptions are never chained (their request objects hold the key).
    """
    import httpx

    dialect = discovery_dialect(descriptor)
    endpoint = where(listing_url(dialect, base_url, descriptor.discovery.path))
    try:
        return await _fetch_pages(descriptor, base_url, api_key, timeout, max_bytes)
    except ProviderError as exc:
        raise _redacted(exc, api_key) from None
    except (TimeoutError, httpx.TimeoutException):
        raise ProviderUnavailableError(
            f"{endpoint} gave no complete listing within {timeout:g} s",
            provider_id=descriptor.id,
        ) from None
    except httpx.ConnectError:
        raise ProviderUnavailableError(
            f"could not connect to {endpoint}", provider_id=descriptor.id
        ) from None
    except Exception as exc:
        raise ProviderUnavailableError(
            redact(f"could not list models at {endpoint}: {_describe(exc)}", api_key),
            provider_id=descriptor.id,
        ) from None


class _Pages:
    """What the pages of one listing add up to: the models by id, and the cursors seen."""

    def __init__(self, descriptor: ProviderDescriptor, api_key: str | None) -> None:
        self.descriptor = descriptor
        self.by_id: dict[str, ListedModel] = {}
        self.refused = 0
        self._cursors_seen: set[str] = set()
        self._holds_key = key_detector(api_key) if api_key else None

    def add(self, page: ListingPage, url: str) -> str | None:
        """Take a page's models; return the cursor of the next page, None after the last."""
        self.refused += page.unusable
        for item in page.models:
            # A listing that echoes the key back (as an id or name) must not carry it into
            # the database or onto the screen.
            if self._holds_key is not None and _mentions(item, self._holds_key):
                self.refused += 1
                continue
            self.by_id.setdefault(item.model_id, item)
        cursor = page.next_cursor
        if cursor is not None and cursor in self._cursors_seen:
            raise ProviderUnavailableError(
                f"{where(url)} pages in a loop", provider_id=self.descriptor.id
            )
        if cursor is not None:
            self._cursors_seen.add(cursor)
        return cursor


async def _fetch_pages(
    descriptor: ProviderDescriptor,
    base_url: str,
    api_key: str | None,
    timeout: float,
    max_bytes: int,
) -> Listing:
    import httpx

    dialect = discovery_dialect(descriptor)
    pages = _Pages(descriptor, api_key)
    cursor: str | None = None
    # One deadline over everything: a server that drips a byte a second, or pages forever,
    # cannot hold discovery longer than `timeout`.
    async with (
        asyncio.timeout(timeout),
        httpx.AsyncClient(
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            headers={"user-agent": USER_AGENT, **UNCOMPRESSED},
            verify=shared_ssl_context(),
        ) as client,
    ):
        for _ in range(MAX_PAGES):
            request = listing_request(descriptor, dialect, base_url, api_key, cursor)
            payload = await get_json_page(client, request, descriptor, api_key, max_bytes)
            try:
                page = parse_page(dialect, payload)
            except ListingShapeError as exc:
                raise ProviderUnavailableError(
                    f"{where(request.url)} answered with something that is not a model"
                    f" listing ({exc})",
                    provider_id=descriptor.id,
                ) from None
            cursor = pages.add(page, request.url)
            if cursor is None:
                return Listing(tuple(pages.by_id.values()), pages.refused)
    raise ProviderUnavailableError(
        f"{where(base_url)} has more than {MAX_PAGES} pages of models", provider_id=descriptor.id
    )


def listing_request(
    descriptor: ProviderDescriptor,
    dialect: str,
    base_url: str,
    api_key: str | None,
    cursor: str | None,
) -> ListingRequest:
    """One page's request: the dialect's, with the key placed as the descriptor's ``auth``
    says (the dialect's own way when it has none) and its fixed query parameters. A query
    parameter holding the key counts among the credentials (never sent to another host)."""
    kind, _ = auth_kind(descriptor)
    own_way = kind not in ("bearer", "header", "query")
    request = build_request(
        dialect,
        base_url,
        api_key=api_key if own_way else None,
        path=descriptor.discovery.path,
        cursor=cursor,
        extra_headers=descriptor.headers,
    )
    placed = credentials(descriptor, None if own_way else api_key)
    return replace(
        request,
        params={**request.params, **placed.params},
        headers={**request.headers, **placed.headers},
        # "?name" stands for a query parameter that carries the key.
        credential_headers=request.credential_headers
        | placed.secret_headers
        | {f"?{name}" for name in placed.secret_params},
    )


def _mentions(item: ListedModel, holds_key: Callable[[str], bool]) -> bool:
    return holds_key(item.model_id) or (
        item.display_name is not None and holds_key(item.display_name)
    )


def _redacted(exc: ProviderError, api_key: str | None) -> ProviderError:
    cleaned = redact(exc.message, api_key)
    if cleaned != exc.message:
        exc.message = cleaned
        exc.args = (cleaned,)
    return exc


def _describe(exc: BaseException) -> str:
    # The class name only: a transport's message may quote what it refused to send, and a
    # refused header is the one holding the key.
    return type(exc).__name__
