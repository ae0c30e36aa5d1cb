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

Every entry point serves one registry, its keyword-only ``registry=`` (None: the registry of a
``store`` passed as a :class:`ModelStore`, else the curated one): provider ids are looked up
in it, ``refresh_all`` lists its providers, and the database is its own (see `_store.meta`; a
store of another registry is refused). Nothing here names a registry package.

This module is the cache policy and one provider's discovery; refreshing many providers at
once is `_discovery.refresh`, fetching (deadlines, caps, redirects, paging) is
`_discovery.fetch`, merging a listing with the registry is `_discovery.merge`, and the database
is `_store`. A server that misbehaves ends in step 3 or 4
with the reason, never in an exception.

``timeout`` is the discovery's deadline, its database waits included: every wait for the
database (another process holding it locked) ends ``timeout`` after the call began (a wait
that begins later still gets :data:`~llm_registry.runtime._store.connection.DEADLINE_GRACE`),
with a :class:`ModelStoreError` saying the database was busy, and the fetch has what is left
of ``timeout`` (all of it unless the database took more than that grace). So a discovery
returns or raises within about ``timeout`` plus twice the grace, whatever another process
does to the database.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Final, Literal

from llm_registry.runtime._discovery.dialects import ListedModel
from llm_registry.runtime._discovery.fetch import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT, fetch_listing
from llm_registry.runtime._discovery.merge import (
    candidates_in_store,
    merge_with_registry,
    registry_models,
)
from llm_registry.runtime._endpoint import VariableValues, endpoint_base_url, resolve_variables
from llm_registry.runtime._errors import MissingApiKeyError, ProviderError
from llm_registry.runtime._keys import missing_key_message, resolve_api_key
from llm_registry.runtime._registry import Registry, discovery_dialect, get_provider
from llm_registry.runtime._store.connection import DEADLINE_GRACE, database_deadline
from llm_registry.runtime._store.store import (
    CachedListing,
    ModelInfo,
    ModelStore,
    ModelStoreError,
)
from llm_registry.runtime._urls import checked_base_url, template_names

if TYPE_CHECKING:
    from llm_registry.runtime._descriptor import ProviderDescriptor
    from llm_registry.runtime._keystore import KeyStore

__all__ = [
    "DEFAULT_CACHE_TTL",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_TIMEOUT",
    "DiscoveryResult",
    "StoreArg",
    "as_store",
    "discover_models",
]

DEFAULT_CACHE_TTL: Final = 6 * 3600.0  # seconds a listing answers without a request

Source = Literal["api", "cache", "fallback"]
StoreArg = ModelStore | str | os.PathLike[str] | None


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
    # Entries of the live listing left out (no usable id, or an echo of the key): said, since
    # a model that vanished without a word would look like the provider's own doing.
    refused: int = 0


async def discover_models(
    provider: ProviderDescriptor | str,
    *,
    registry: Registry | None = None,
    refresh: bool = False,
    api_keys: Mapping[str, str] | None = None,
    base_url: str | None = None,
    store: StoreArg = None,
    timeout: float = DEFAULT_TIMEOUT,
    cache_ttl: float = DEFAULT_CACHE_TTL,
    max_bytes: int = DEFAULT_MAX_BYTES,
    key_store: KeyStore | None = None,
    variables: VariableValues | None = None,
) -> DiscoveryResult:
    """List a provider's models: fresh cache, else the live listing, else stale cache, else the
    registry's defaults (see the module docstring).

    ``base_url`` replaces the registry's (a proxy, a local server) for this call: its listing is
    cached under that URL but leaves the provider's model rows alone. ``store`` is the model
    database (a path, or by default :func:`default_database_path` of the registry). The key
    comes from ``api_keys``, the environment, then ``key_store`` (default:
    :func:`default_key_store`; see :func:`locate_api_key`); a templated base URL's variables
    from ``variables`` (provider id → name → value), then the same places (see
    :func:`create_provider`). Raises only
    for what the caller must fix: :class:`UnknownProviderError`, :class:`ConfigError` for a base
    URL that cannot be used (see `runtime._urls`), :class:`ModelStoreError` for a database that
    cannot be opened, is damaged, belongs to another registry, or was kept locked by another
    process past the deadline (``timeout``; see the module docstring).
    """
    deadline = time.monotonic() + timeout
    with database_deadline(deadline):
        model_store = as_store(store, registry)
        descriptor = (
            get_provider(provider, registry=model_store.registry)
            if isinstance(provider, str)
            else provider
        )
        job = _Discovery(
            descriptor,
            _listing_root(descriptor, base_url, variables, key_store),
            model_store,
            owns_rows=base_url is None or base_url.rstrip("/") == descriptor.base_url.rstrip("/"),
        )
        if discovery_dialect(descriptor) == "none":
            return await asyncio.to_thread(job.fallback, None)

        # A refresh reads the cache only if the request fails: reading it first would put a
        # database round trip in front of every request when many providers refresh at once.
        cached = None if refresh else await asyncio.to_thread(job.cached)
        if cached is not None and time.time() - cached.fetched_at < cache_ttl:
            return await asyncio.to_thread(job.from_cache, cached, None)
        try:
            api_key = _usable_key(descriptor, api_keys, key_store)
            listed = await fetch_listing(
                descriptor,
                job.url,
                api_key,
                timeout=_fetch_time(timeout, deadline),
                max_bytes=max_bytes,
            )
        except ProviderError as error:
            if refresh:
                cached = await asyncio.to_thread(job.cached)
            if cached is not None:
                return await asyncio.to_thread(job.from_cache, cached, error)
            return await asyncio.to_thread(job.fallback, error)
        return await asyncio.to_thread(job.save, listed.models, time.time(), listed.refused)


class _Discovery:
    """One provider's discovery against one base URL and store: the ways it can end.

    Every method touches the database and runs in a worker thread (``asyncio.to_thread``).
    """

    def __init__(
        self, descriptor: ProviderDescriptor, url: str, store: ModelStore, *, owns_rows: bool
    ) -> None:
        self.started = time.monotonic()
        self.descriptor = descriptor
        self.url = url
        self.store = store
        # Only a listing from the provider's own base URL (its variables filled in) may change
        # its rows.
        self.owns_rows = owns_rows

    def cached(self) -> CachedListing | None:
        return self.store.load_listing(self.descriptor.id, self.url)

    def from_cache(self, cached: CachedListing, error: ProviderError | None) -> DiscoveryResult:
        models = merge_with_registry(self.descriptor, cached.models)
        return self._finish("cache", models, error=error, fetched_at=cached.fetched_at)

    def fallback(self, error: ProviderError | None) -> DiscoveryResult:
        return self._finish("fallback", registry_models(self.descriptor), error=error)

    def save(
        self, listed: Sequence[ListedModel], fetched_at: float, refused: int = 0
    ) -> DiscoveryResult:
        provider_id = self.descriptor.id
        models = merge_with_registry(self.descriptor, listed)
        if not self.owns_rows:
            self.store.save_listing(provider_id, self.url, listed, fetched_at=fetched_at)
            return replace(self._finish("api", models, fetched_at=fetched_at), refused=refused)
        rows = self.store.save_discovery(
            provider_id, self.url, listed, models, fetched_at=fetched_at
        )
        stored = {model.id: model for model in rows}
        kept = tuple(stored.get(model.id, model) for model in models)
        return replace(self._result("api", kept, None, fetched_at), refused=refused)

    def _finish(
        self,
        source: Source,
        candidates: Sequence[ModelInfo],
        *,
        error: ProviderError | None = None,
        fetched_at: float | None = None,
    ) -> DiscoveryResult:
        models = candidates_in_store(self.store, self.descriptor.id, candidates)
        return self._result(source, models, error, fetched_at)

    def _result(
        self,
        source: Source,
        models: tuple[ModelInfo, ...],
        error: ProviderError | None,
        fetched_at: float | None,
    ) -> DiscoveryResult:
        return DiscoveryResult(
            provider_id=self.descriptor.id,
            source=source,
            models=models,
            error=error,
            fetched_at=fetched_at,
            elapsed=time.monotonic() - self.started,
        )


def _fetch_time(timeout: float, deadline: float) -> float:
    """The fetch's own time: ``timeout``, less what the database took of it when that was more
    than :data:`DEADLINE_GRACE` (a lock waited for, not the milliseconds of opening or seeding a
    file, which would only blur the error's "within <timeout> s")."""
    left = deadline - time.monotonic()
    return timeout if left > timeout - DEADLINE_GRACE else max(left, DEADLINE_GRACE / 10)


def _listing_root(
    descriptor: ProviderDescriptor,
    base_url: str | None,
    variables: VariableValues | None,
    key_store: KeyStore | None,
) -> str:
    """The base URL to list from: ``base_url``, else the descriptor's with its variables filled
    in (a :class:`ConfigError` naming a variable without a value, before any request)."""
    if base_url is not None or not template_names(descriptor.base_url):
        return checked_base_url(base_url or descriptor.base_url)
    if key_store is None:
        from llm_registry.runtime._keystore import default_key_store

        key_store = default_key_store()
    values = resolve_variables(descriptor, variables, key_store=key_store)
    return endpoint_base_url(descriptor, None, values)


def _usable_key(
    descriptor: ProviderDescriptor,
    api_keys: Mapping[str, str] | None,
    key_store: KeyStore | None,
) -> str | None:
    """The key to list with; raises when the provider needs one and has none usable.

    A key no header can carry is a :class:`ConfigError` whose message names its source.
    """
    api_key = resolve_api_key(descriptor, api_keys, key_store=key_store)
    if api_key is None and descriptor.api_key is not None:
        raise MissingApiKeyError(missing_key_message(descriptor), provider_id=descriptor.id)
    return api_key


def as_store(store: StoreArg, registry: Registry | None) -> ModelStore:
    """The store to use: ``store`` itself, or a store of ``registry`` at the path given (or at
    the registry's default path). A store given with a registry must be that registry's."""
    if not isinstance(store, ModelStore):
        return ModelStore(store, registry=registry)
    if registry is not None and registry.package != store.registry.package:
        raise ModelStoreError(
            f"the model store {store.path} serves the registry {store.registry.package!r}, "
            f"not {registry.package!r}; pass a ModelStore of that registry, or its path"
        )
    return store
