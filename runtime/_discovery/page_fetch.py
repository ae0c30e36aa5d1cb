"""One page of a model listing over HTTP: redirects followed only where the key may go, an
error status turned into the error a chat stream would raise for it (`runtime._error_mapping`),
and a body read in chunks within a size cap and a cap on its JSON values, then decoded.

The page loop, its deadline and the key's placement are `_discovery.fetch`. httpx is imported
inside the functions that use it, so that ``import llm_registry.runtime`` does not load it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Final
from urllib.parse import urlsplit

from llm_registry.runtime._discovery.dialects import ListingRequest
from llm_registry.runtime._encoding import compression, json_values_bound, refused_compressed
from llm_registry.runtime._error_body import read_error_body
from llm_registry.runtime._error_mapping import error_from_response
from llm_registry.runtime._errors import ConfigError, ProviderUnavailableError
from llm_registry.runtime._rules import url_problem

if TYPE_CHECKING:
    import httpx

    from llm_registry.runtime._descriptor import ProviderDescriptor

__all__ = ["get_json_page", "where"]

MAX_REDIRECTS: Final = 5
# The largest real listings (OpenRouter's) hold some tens of thousands of JSON values.
MAX_LISTING_VALUES: Final = 500_000


async def get_json_page(
    client: httpx.AsyncClient,
    request: ListingRequest,
    descriptor: ProviderDescriptor,
    api_key: str | None,
    max_bytes: int,
) -> object:
    """One page: follow same-origin redirects, map an error status, read the body capped."""
    import httpx

    url = httpx.URL(request.url, params=dict(request.params))
    headers = dict(request.headers)
    for _ in range(MAX_REDIRECTS + 1):
        async with client.stream("GET", url, headers=headers) as response:
            if response.is_redirect:
                url = _redirect_target(url, response, request, descriptor)
                continue
            if not response.is_success:
                raise error_from_response(
                    descriptor,
                    None,
                    status=response.status_code,
                    body=await read_error_body(response),
                    headers=response.headers,
                    api_key=api_key,
                    endpoint=where(str(url)),
                )
            body = await _read_capped(response, descriptor, str(url), max_bytes)
        if json_values_bound(body) > MAX_LISTING_VALUES:
            # The size cap bounds a listing's bytes, not what they parse into.
            raise ProviderUnavailableError(
                f"{where(str(url))} sent a listing of more than {MAX_LISTING_VALUES:,} JSON"
                " values; refused",
                provider_id=descriptor.id,
                status_code=response.status_code,
            )
        try:
            return json.loads(body)
        except (ValueError, RecursionError):
            raise ProviderUnavailableError(
                f"{where(str(url))} answered with something that is not JSON",
                provider_id=descriptor.id,
                status_code=response.status_code,
            ) from None
    raise ConfigError(
        f"{where(request.url)} redirected more than {MAX_REDIRECTS} times; check the base URL",
        provider_id=descriptor.id,
    )


def _redirect_target(
    url: httpx.URL,
    response: httpx.Response,
    request: ListingRequest,
    descriptor: ProviderDescriptor,
) -> httpx.URL:
    """Where a redirect leads, unless it would take the key to another origin."""
    target = url.join(response.headers["location"])
    problem = url_problem(str(target), allow_loopback_http=True, is_base=False)
    if problem is not None and request.credential_headers:
        # The same rules as for a base URL: never plain http off loopback, nor user-info.
        raise ConfigError(
            f"{where(str(url))} redirected to a URL the key may not go to: {problem[1]}",
            provider_id=descriptor.id,
            status_code=response.status_code,
        )
    if _origin(target) != _origin(url) and request.credential_headers:
        # A redirect is the base URL's problem, as it is for a chat stream.
        raise ConfigError(
            f"{where(str(url))} redirected to another host ({where(str(target))});"
            " not followed, so that the API key is not sent there; check the base URL",
            provider_id=descriptor.id,
            status_code=response.status_code,
        )
    return target


async def _read_capped(
    response: httpx.Response, descriptor: ProviderDescriptor, url: str, max_bytes: int
) -> bytes:
    too_large = ProviderUnavailableError(
        f"{where(url)} sent a listing larger than {_size(max_bytes)}; refused",
        provider_id=descriptor.id,
        status_code=response.status_code,
    )
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise too_large
    coding = compression(response.headers)
    if coding is not None:
        raise refused_compressed(
            where(url), descriptor.id, coding, what="listing", status_code=response.status_code
        )
    chunks: list[bytes] = []
    received = 0
    async for chunk in response.aiter_bytes():
        received += len(chunk)
        if received > max_bytes:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


def where(url: str) -> str:
    """A URL as messages show it: without user-info, query or fragment."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "the server"
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme}://{host}{port}{parts.path}"


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    default_port = {"http": 80, "https": 443}.get(url.scheme)
    return (url.scheme, url.host, url.port or default_port)


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):g} MiB" if n >= 1024 * 1024 else f"{n} bytes"
