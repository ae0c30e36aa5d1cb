"""Live model discovery: ask a provider which models it serves, cache the answer, fall back safely.

`discover_models` answers, in this order:
  1. a fresh cache entry (younger than ``cache_ttl``), without a request, unless ``refresh``;
  2. the provider's listing, fetched now (source ``"api"``), stored in the model database;
  3. when that fails, the stale cache entry (source ``"cache"``, with the error);
  4. when there is none, the registry's ``default_models`` (source ``"fallback"``, with the error).

The cache is kept per base URL. Only a listing from the provider's own base URL (the
descriptor's) changes the provider's rows in the ``models`` table; a ``base_url`` override (a
proxy, a local server) lists what that server serves, so its listing is cached under its URL
and shown, but adds no rows and disables none. To make another URL the provider's own, pass a
descriptor carrying it (``dataclasses.replace(descriptor, base_url=…)``).

A server that misbehaves (never answers, trickles bytes, sends hundreds of megabytes, redirects
elsewhere, refuses the key, throttles, fails, or answers with something that is not a listing)
ends in step 3 or 4 with the reason, never in an exception. The whole listing, every page and
redirect included, runs under one deadline; bodies are read in chunks up to a size cap; a
redirect to another origin is not followed while the request carries a key (httpx drops
``Authorization`` on such a redirect but keeps ``x-api-key`` and ``x-goog-api-key``). An error
status becomes the error a chat stream would raise for it (`runtime._error_mapping`).

httpx is imported inside the functions that fetch, so that ``import runtime`` does not load it.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal
from urllib.parse import urlsplit

from llm_registry.runtime._discovery.dialects import (
    TEXT_ATTACHMENTS,
    ListedModel,
    ListingRequest,
    ListingShapeError,
    build_request,
    listing_url,
    parse_page,
)
from llm_registry.runtime._error_mapping import error_from_response, read_error_body
from llm_registry.runtime._errors import (
    ConfigError,
    MissingApiKeyError,
    ProviderError,
    ProviderUnavailableError,
    key_detector,
    redact,
)
from llm_registry.runtime._keys import missing_key_message, resolve_api_key
from llm_registry.runtime._registry import discovery_dialect, get_provider
from llm_registry.runtime._registry import providers as registry_providers
from llm_registry.runtime._store.store import ModelInfo, ModelStore, default_database_path
from llm_registry.runtime._tls import shared_ssl_context
from llm_registry.runtime._urls import checked_base_url

if TYPE_CHECKING:
    import httpx

    from llm_registry.runtime._descriptor import Model, ProviderDescriptor

__all__ = [
    "DEFAULT_CACHE_TTL",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_TIMEOUT",
    "DiscoveryResult",
    "discover_models",
    "refresh_all",
    "refresh_periodically",
    "refreshable_providers",
]

DEFAULT_TIMEOUT: Final = 5.0  # seconds for the whole listing: connect, every page, every byte
DEFAULT_CACHE_TTL: Final = 6 * 3600.0  # seconds a listing answers without a request
# The largest listings (OpenRouter's, a few hundred models with descriptions) are a few MB.
DEFAULT_MAX_BYTES: Final = 32 * 1024 * 1024
MAX_PAGES: Final = 100
MAX_REDIRECTS: Final = 5
USER_AGENT: Final = "llm-provider-registry (model discovery)"

Source = Literal["api", "cache", "fallback"]


@dataclass(frozen=True, slots=True, kw_only=True)
class DiscoveryResult:
    """The models of one provider and where they came from.

    ``error`` is what prevented a live listing (for sources ``"cache"`` and ``"fallback"``); it is
    None for ``"api"``, for a fresh cache hit, and for providers without live discovery.
    """

    provider_id: str
    source: Source
    models: tuple[ModelInfo, ...]
    error: ProviderError | None = None
    fetched_at: float | None = None  # unix time of the listing shown (api and cache)
    elapsed: float = 0.0  # seconds this discovery took


async def discover_models(
    provider: ProviderDescriptor | str,
    *,
    refresh: bool = False,
    api_keys: Mapping[str, str] | None = None,
    base_url: str | None = None,
    store: ModelStore | str | os.PathLike[str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    cache_ttl: float = DEFAULT_CACHE_TTL,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> DiscoveryResult:
    """List a provider's models: fresh cache, else the live listing, else stale cache, else the
    registry's defaults (see the module docstring).

    ``base_url`` replaces the registry's (a proxy, a local server) for this call: its listing is
    cached under that URL but leaves the provider's model rows alone. ``store`` is the model
    database (a path, or by default :func:`default_database_path`). Raises only for what the
    caller must fix: :class:`UnknownProviderError`, :class:`ConfigError` for a base URL that
    cannot be used (see `runtime._urls`), :class:`ModelStoreError` for a database that cannot be
    opened.
    """
    started = time.monotonic()
    descriptor = get_provider(provider) if isinstance(provider, str) else provider
    url = checked_base_url(base_url or descriptor.base_url)
    owns_rows = url.rstrip("/") == descriptor.base_url.rstrip("/")
    model_store = _as_store(store)

    def finish(
        source: Source,
        candidates: Sequence[ModelInfo],
        *,
        error: ProviderError | None = None,
        fetched_at: float | None = None,
    ) -> DiscoveryResult:
        return DiscoveryResult(
            provider_id=descriptor.id,
            source=source,
            models=candidates_in_store(model_store, descriptor.id, candidates),
            error=error,
            fetched_at=fetched_at,
            elapsed=time.monotonic() - started,
        )

    def fallback(error: ProviderError | None) -> DiscoveryResult:
        return finish("fallback", registry_models(descriptor), error=error)

    if discovery_dialect(descriptor) == "none":
        return await asyncio.to_thread(fallback, None)

    # A refresh reads the cache only if the request fails: reading it first would put a
    # database round trip in front of every request when many providers refresh at once.
    cached = (
        None if refresh else await asyncio.to_thread(model_store.load_listing, descriptor.id, url)
    )
    if cached is not None and time.time() - cached.fetched_at < cache_ttl:
        return await asyncio.to_thread(
            finish,
            "cache",
            merge_with_registry(descriptor, cached.models),
            fetched_at=cached.fetched_at,
        )

    error: ProviderError | None = None
    api_key: str | None = None
    try:
        api_key = resolve_api_key(descriptor, api_keys)
    except ConfigError as unusable_key:  # a key no header can carry; the message names its source
        error = unusable_key
    if error is None and api_key is None and descriptor.api_key is not None:
        error = MissingApiKeyError(missing_key_message(descriptor), provider_id=descriptor.id)
    if error is None:
        try:
            listed = await fetch_listing(
                descriptor, url, api_key, timeout=timeout, max_bytes=max_bytes
            )
        except ProviderError as exc:
            error = exc
        else:
            models = merge_with_registry(descriptor, listed)
            fetched_at = time.time()

            def save_and_finish() -> DiscoveryResult:
                if not owns_rows:
                    model_store.save_listing(descriptor.id, url, listed, fetched_at=fetched_at)
                    return finish("api", models, fetched_at=fetched_at)
                stored = {
                    model.id: model
                    for model in model_store.save_discovery(
                        descriptor.id, url, listed, models, fetched_at=fetched_at
                    )
                }
                return DiscoveryResult(
                    provider_id=descriptor.id,
                    source="api",
                    models=tuple(stored.get(model.id, model) for model in models),
                    fetched_at=fetched_at,
                    elapsed=time.monotonic() - started,
                )

            return await asyncio.to_thread(save_and_finish)

    if refresh:
        cached = await asyncio.to_thread(model_store.load_listing, descriptor.id, url)
    if cached is not None:
        return await asyncio.to_thread(
            finish,
            "cache",
            merge_with_registry(descriptor, cached.models),
            error=error,
            fetched_at=cached.fetched_at,
        )
    return await asyncio.to_thread(fallback, error)


def refreshable_providers(
    api_keys: Mapping[str, str] | None = None,
) -> tuple[list[ProviderDescriptor], list[ProviderDescriptor]]:
    """(providers `refresh_all` would list, providers skipped because their key is missing);
    providers without live discovery are in neither."""
    ready: list[ProviderDescriptor] = []
    missing_key: list[ProviderDescriptor] = []
    for descriptor in registry_providers():
        if discovery_dialect(descriptor) == "none":
            continue
        try:
            has_key = (
                descriptor.api_key is None or resolve_api_key(descriptor, api_keys) is not None
            )
        except ConfigError:
            has_key = True  # a key is set but unusable: refreshing reports why, skipping would not
        (ready if has_key else missing_key).append(descriptor)
    return ready, missing_key


async def refresh_all(
    *,
    providers: Iterable[ProviderDescriptor | str] | None = None,
    api_keys: Mapping[str, str] | None = None,
    store: ModelStore | str | os.PathLike[str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
    on_result: Callable[[DiscoveryResult], None] | None = None,
) -> list[DiscoveryResult]:
    """Refresh every provider that has a key (or needs none) at once, each under its own
    ``timeout``, so the whole refresh takes about as long as the slowest provider.

    ``providers`` narrows the set (ids or descriptors, e.g. with another base_url); ``on_result``
    is called with each result as it finishes. Returns the results in provider order.
    """
    if providers is None:
        descriptors, _ = refreshable_providers(api_keys)
    else:
        descriptors = [get_provider(p) if isinstance(p, str) else p for p in providers]
    model_store = _as_store(store)
    # Open (and if needed create and seed) the database once, before the providers race for it.
    await asyncio.to_thread(model_store.summary)

    async def one(descriptor: ProviderDescriptor) -> DiscoveryResult:
        started = time.monotonic()
        try:
            return await discover_models(
                descriptor,
                refresh=True,
                api_keys=api_keys,
                store=model_store,
                timeout=timeout,
                max_bytes=max_bytes,
            )
        except ProviderError as exc:
            # A store or configuration failure for one provider must not cost the others theirs.
            return DiscoveryResult(
                provider_id=descriptor.id,
                source="fallback",
                models=tuple(registry_models(descriptor)),
                error=exc,
                elapsed=time.monotonic() - started,
            )

    tasks = [asyncio.ensure_future(one(descriptor)) for descriptor in descriptors]
    try:
        for finished in asyncio.as_completed(tasks):
            result = await finished
            if on_result is not None:
                on_result(result)
    finally:
        for task in tasks:
            task.cancel()
    return [task.result() for task in tasks]


async def refresh_periodically(
    interval: float,
    *,
    providers: Iterable[ProviderDescriptor | str] | None = None,
    api_keys: Mapping[str, str] | None = None,
    store: ModelStore | str | os.PathLike[str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    on_results: Callable[[list[DiscoveryResult]], None] | None = None,
    on_error: Callable[[ProviderError], None] | None = None,
) -> None:
    """Run `refresh_all` now and then every ``interval`` seconds until cancelled; for a
    long-running app: ``task = asyncio.create_task(refresh_periodically(3600))``.

    Which providers are refreshed is decided anew each round (a key added in the meantime
    counts), unless ``providers`` fixes the set. A round that fails as a whole (the database
    cannot be opened, say) is reported to ``on_error`` and the next round still comes: a
    background task that died quietly would leave the app's model lists to go stale.
    """
    if interval <= 0:
        raise ValueError("interval must be positive")
    model_store = _as_store(store)
    fixed = None if providers is None else list(providers)
    while True:
        try:
            results = await refresh_all(
                providers=fixed, api_keys=api_keys, store=model_store, timeout=timeout
            )
        except ProviderError as exc:
            if on_error is not None:
                on_error(exc)
        else:
            if on_results is not None:
                on_results(results)
        await asyncio.sleep(interval)


# --- merging with the registry --------------------------------------------------------------------


def registry_models(descriptor: ProviderDescriptor) -> list[ModelInfo]:
    """The registry's ``default_models`` as model records."""
    return [_from_registry(descriptor.id, model) for model in descriptor.default_models]


def merge_with_registry(
    descriptor: ProviderDescriptor, listed: Iterable[ListedModel]
) -> list[ModelInfo]:
    """The listed models as records: the registry's metadata for the ids it knows, the
    listing's (with defaults for what it leaves out) for the others. Registry models come
    first, in registry order, then the others by id."""
    listed_by_id = {item.model_id: item for item in listed}
    known = [
        _from_registry(descriptor.id, model)
        for model in descriptor.default_models
        if model.id in listed_by_id
    ]
    known_ids = {model.model_id for model in known}
    discovered = [
        _from_listing(descriptor.id, item)
        for model_id, item in sorted(listed_by_id.items())
        if model_id not in known_ids
    ]
    return known + discovered


def candidates_in_store(
    store: ModelStore, provider_id: str, candidates: Sequence[ModelInfo]
) -> tuple[ModelInfo, ...]:
    """Each candidate as the database holds it (the user's choices, the seed's deprecation),
    or as given when the database has no such row."""
    stored = {model.id: model for model in store.models(provider_id)}
    return tuple(stored.get(candidate.id, candidate) for candidate in candidates)


def _from_registry(provider_id: str, model: Model) -> ModelInfo:
    pricing = model.pricing
    return ModelInfo(
        id=f"{provider_id}::{model.id}",
        provider_id=provider_id,
        model_id=model.id,
        display_name=model.display_name,
        context_window=model.context_window,
        max_output_tokens=model.max_output_tokens,
        attachments=tuple(str(kind) for kind in model.attachments),
        prompt_price_per_token=None if pricing is None else pricing.input_per_million / 1e6,
        completion_price_per_token=None if pricing is None else pricing.output_per_million / 1e6,
        supports_tools=bool(model.tools),
        supports_reasoning=model.reasoning is not None,
        is_deprecated=bool(model.deprecated),
        is_internal=bool(model.internal),
        in_registry=True,
    )


def _from_listing(provider_id: str, item: ListedModel) -> ModelInfo:
    return ModelInfo(
        id=f"{provider_id}::{item.model_id}",
        provider_id=provider_id,
        model_id=item.model_id,
        display_name=item.display_name or item.model_id,
        context_window=item.context_window,
        max_output_tokens=item.max_output_tokens,
        attachments=item.attachments or TEXT_ATTACHMENTS,
        prompt_price_per_token=item.prompt_price_per_token,
        completion_price_per_token=item.completion_price_per_token,
        supports_tools=bool(item.supports_tools),
        supports_reasoning=bool(item.supports_reasoning),
    )


# --- fetching ---------------------------------------------------------------------------------------


async def fetch_listing(
    descriptor: ProviderDescriptor,
    base_url: str,
    api_key: str | None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> tuple[ListedModel, ...]:
    """Every page of the provider's listing, or a :class:`ProviderError` saying why not.

    Every failure is turned into a ProviderError with a one-line, key-free message; the
    transport's own exceptions are never chained (their request objects hold the key).
    """
    import httpx

    dialect = discovery_dialect(descriptor)
    endpoint = _where(listing_url(dialect, base_url, descriptor.discovery.path))
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


async def _fetch_pages(
    descriptor: ProviderDescriptor,
    base_url: str,
    api_key: str | None,
    timeout: float,
    max_bytes: int,
) -> tuple[ListedModel, ...]:
    import httpx

    dialect = discovery_dialect(descriptor)
    by_id: dict[str, ListedModel] = {}
    cursors_seen: set[str] = set()
    cursor: str | None = None
    holds_key = key_detector(api_key) if api_key else None
    # One deadline over everything: a server that drips a byte a second, or pages forever,
    # cannot hold discovery longer than `timeout`.
    async with asyncio.timeout(timeout):
        async with httpx.AsyncClient(
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            headers={"user-agent": USER_AGENT},
            verify=shared_ssl_context(),
        ) as client:
            for _ in range(MAX_PAGES):
                request = build_request(
                    dialect,
                    base_url,
                    api_key=api_key,
                    path=descriptor.discovery.path,
                    cursor=cursor,
                    extra_headers=descriptor.headers,
                )
                payload = await _get_json(client, request, descriptor, api_key, max_bytes)
                try:
                    page = parse_page(dialect, payload)
                except ListingShapeError as exc:
                    raise ProviderUnavailableError(
                        f"{_where(request.url)} answered with something that is not a model"
                        f" listing ({exc})",
                        provider_id=descriptor.id,
                    ) from None
                for item in page.models:
                    # A listing that echoes the key back (as an id or name) must not carry it
                    # into the database or onto the screen.
                    if holds_key is not None and _mentions(item, holds_key):
                        continue
                    by_id.setdefault(item.model_id, item)
                if page.next_cursor is None:
                    return tuple(by_id.values())
                if page.next_cursor in cursors_seen:
                    raise ProviderUnavailableError(
                        f"{_where(request.url)} pages in a loop", provider_id=descriptor.id
                    )
                cursors_seen.add(page.next_cursor)
                cursor = page.next_cursor
    raise ProviderUnavailableError(
        f"{_where(base_url)} has more than {MAX_PAGES} pages of models", provider_id=descriptor.id
    )


async def _get_json(
    client: httpx.AsyncClient,
    request: ListingRequest,
    descriptor: ProviderDescriptor,
    api_key: str | None,
    max_bytes: int,
) -> object:
    import httpx

    url = httpx.URL(request.url, params=dict(request.params))
    headers = dict(request.headers)
    for _ in range(MAX_REDIRECTS + 1):
        async with client.stream("GET", url, headers=headers) as response:
            if response.is_redirect:
                target = url.join(response.headers["location"])
                if _origin(target) != _origin(url) and request.credential_headers:
                    # A redirect is the base URL's problem, as it is for a chat stream.
                    raise ConfigError(
                        f"{_where(str(url))} redirected to another host ({_where(str(target))});"
                        " not followed, so that the API key is not sent there; check the base URL",
                        provider_id=descriptor.id,
                        status_code=response.status_code,
                    )
                url = target
                continue
            if not response.is_success:
                raise error_from_response(
                    descriptor,
                    None,
                    status=response.status_code,
                    body=await read_error_body(response),
                    headers=response.headers,
                    api_key=api_key,
                    endpoint=_where(str(url)),
                )
            body = await _read_capped(response, descriptor, str(url), max_bytes)
        try:
            return json.loads(body)
        except (ValueError, RecursionError):
            raise ProviderUnavailableError(
                f"{_where(str(url))} answered with something that is not JSON",
                provider_id=descriptor.id,
                status_code=response.status_code,
            ) from None
    raise ConfigError(
        f"{_where(request.url)} redirected more than {MAX_REDIRECTS} times; check the base URL",
        provider_id=descriptor.id,
    )


async def _read_capped(
    response: httpx.Response, descriptor: ProviderDescriptor, url: str, max_bytes: int
) -> bytes:
    too_large = ProviderUnavailableError(
        f"{_where(url)} sent a listing larger than {_size(max_bytes)}; refused",
        provider_id=descriptor.id,
        status_code=response.status_code,
    )
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise too_large
    chunks: list[bytes] = []
    received = 0
    async for chunk in response.aiter_bytes():
        received += len(chunk)
        if received > max_bytes:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


# --- small helpers ----------------------------------------------------------------------------------


def _as_store(store: ModelStore | str | os.PathLike[str] | None) -> ModelStore:
    if isinstance(store, ModelStore):
        return store
    return ModelStore(default_database_path() if store is None else store)


def _where(url: str) -> str:
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


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):g} MiB" if n >= 1024 * 1024 else f"{n} bytes"
