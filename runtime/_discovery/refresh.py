"""Refreshing many providers at once: which of a registry's providers can be refreshed, all of
them concurrently (`refresh_all`, about as long as the slowest), and that again on a timer for a
long-running app (`refresh_periodically`). Each provider's discovery is `_discovery.service`'s
`discover_models`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING

from llm_registry.runtime._discovery.fetch import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT
from llm_registry.runtime._discovery.merge import registry_models
from llm_registry.runtime._discovery.service import (
    DiscoveryResult,
    StoreArg,
    as_store,
    discover_models,
)
from llm_registry.runtime._errors import ConfigError, ProviderError
from llm_registry.runtime._keys import missing_variables, resolve_api_key
from llm_registry.runtime._registry import Registry, discovery_dialect, get_provider
from llm_registry.runtime._registry import providers as registry_providers
from llm_registry.runtime._store.connection import database_deadline
from llm_registry.runtime._urls import template_names

if TYPE_CHECKING:
    from llm_registry.runtime._descriptor import ProviderDescriptor
    from llm_registry.runtime._endpoint import VariableValues
    from llm_registry.runtime._keystore import KeyStore

__all__ = ["refresh_all", "refresh_periodically", "refreshable_providers"]


def refreshable_providers(
    api_keys: Mapping[str, str] | None = None,
    *,
    registry: Registry | None = None,
    key_store: KeyStore | None = None,
    variables: VariableValues | None = None,
) -> tuple[list[ProviderDescriptor], list[ProviderDescriptor]]:
    """(providers of ``registry`` `refresh_all` would list, providers skipped because their key
    is missing or a variable of their base URL has no value anywhere); providers without live
    discovery are in neither. :func:`missing_variables` and :func:`locate_api_key` say which
    of the two a skipped provider lacks (pass a :class:`ReadOnceKeyStore` to read each entry
    once). A key or value that is there but unusable, or a key store that cannot be read,
    counts as ready: refreshing reports why, skipping would not."""
    ready: list[ProviderDescriptor] = []
    skipped: list[ProviderDescriptor] = []
    for descriptor in registry_providers(registry=registry):
        if discovery_dialect(descriptor) == "none":
            continue
        try:
            ok = (
                descriptor.api_key is None
                or resolve_api_key(descriptor, api_keys, key_store=key_store) is not None
            )
            if ok and template_names(descriptor.base_url):
                if key_store is None:  # only now: keys from the environment need no keychain
                    from llm_registry.runtime._keystore import default_key_store

                    key_store = default_key_store()
                ok = not missing_variables(descriptor, variables, key_store=key_store)
        except ConfigError:
            ok = True
        (ready if ok else skipped).append(descriptor)
    return ready, skipped


async def refresh_all(
    *,
    registry: Registry | None = None,
    providers: Iterable[ProviderDescriptor | str] | None = None,
    api_keys: Mapping[str, str] | None = None,
    store: StoreArg = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
    on_result: Callable[[DiscoveryResult], None] | None = None,
    key_store: KeyStore | None = None,
    variables: VariableValues | None = None,
) -> list[DiscoveryResult]:
    """Refresh every provider of the registry that has a key (or needs none) at once, each under
    its own ``timeout``, so the whole refresh takes about as long as the slowest provider.

    ``providers`` narrows the set (ids of the registry, or descriptors, e.g. with another
    base_url); ``on_result`` is called with each result as it finishes. Returns the results in
    provider order.
    """
    model_store = as_store(store, registry)
    if providers is None:
        descriptors, _ = refreshable_providers(
            api_keys, registry=model_store.registry, key_store=key_store, variables=variables
        )
    else:
        descriptors = [
            get_provider(p, registry=model_store.registry) if isinstance(p, str) else p
            for p in providers
        ]
    # Open (and if needed create and seed) the database once, before the providers race for it.
    with database_deadline(time.monotonic() + timeout):
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
                key_store=key_store,
                variables=variables,
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
    registry: Registry | None = None,
    providers: Iterable[ProviderDescriptor | str] | None = None,
    api_keys: Mapping[str, str] | None = None,
    store: StoreArg = None,
    timeout: float = DEFAULT_TIMEOUT,
    on_results: Callable[[list[DiscoveryResult]], None] | None = None,
    on_error: Callable[[ProviderError], None] | None = None,
    key_store: KeyStore | None = None,
    variables: VariableValues | None = None,
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
    model_store = as_store(store, registry)
    fixed = None if providers is None else list(providers)
    while True:
        try:
            results = await refresh_all(
                providers=fixed,
                api_keys=api_keys,
                store=model_store,
                timeout=timeout,
                key_store=key_store,
                variables=variables,
            )
        except ProviderError as exc:
            if on_error is not None:
                on_error(exc)
        else:
            if on_results is not None:
                on_results(results)
        await asyncio.sleep(interval)
