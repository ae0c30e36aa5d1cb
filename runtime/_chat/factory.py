"""Build the provider object a descriptor asks for."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from llm_registry.runtime._chat.base import DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, ChatProvider
from llm_registry.runtime._chat.provider_classes import registered_provider_class
from llm_registry.runtime._endpoint import VariableValues, resolve_variables
from llm_registry.runtime._errors import ConfigError, MissingApiKeyError
from llm_registry.runtime._keys import missing_key_message, resolve_api_key
from llm_registry.runtime._registry import get_provider
from llm_registry.runtime._urls import template_names

if TYPE_CHECKING:
    from llm_registry.runtime._descriptor import ProviderDescriptor
    from llm_registry.runtime._keystore import KeyStore
    from llm_registry.runtime._registry import Registry

__all__ = ["create_provider", "provider_class_for"]


def _implementation_classes() -> dict[str, type[ChatProvider]]:
    from llm_registry.runtime._chat.anthropic import AnthropicProvider
    from llm_registry.runtime._chat.gemini import GeminiProvider
    from llm_registry.runtime._chat.openai_compatible import (
        BaseOpenAICompatibleProvider,
        OpenAIResponsesProvider,
    )

    return {
        "openai_compatible": BaseOpenAICompatibleProvider,
        "openai_responses": OpenAIResponsesProvider,
        "anthropic": AnthropicProvider,
        "google": GeminiProvider,
    }


def provider_class_for(
    descriptor: ProviderDescriptor,
    provider_classes: Mapping[str, type[ChatProvider]] | None = None,
) -> type[ChatProvider]:
    """The class that speaks ``descriptor``'s wire format.

    The descriptor's ``implementation`` picks one of the built-in classes; its
    ``provider_class``, when set, names a subclass of that class the application registered
    (``provider_classes``, :func:`register_provider_class` or an entry point). Nothing a
    descriptor names is ever imported.
    """
    implementation: object = descriptor.implementation
    name = str(getattr(implementation, "value", implementation))
    try:
        base = _implementation_classes()[name]
    except KeyError:
        raise ConfigError(
            f"provider {descriptor.id!r} has unknown implementation {name!r}",
            provider_id=descriptor.id,
        ) from None
    if descriptor.provider_class:
        return registered_provider_class(descriptor, base, provider_classes)
    return base


def create_provider(
    provider: ProviderDescriptor | str,
    *,
    api_key: str | None = None,
    api_keys: Mapping[str, str] | None = None,
    base_url: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    max_time: float | None = None,
    registry: Registry | None = None,
    provider_classes: Mapping[str, type[ChatProvider]] | None = None,
    key_store: KeyStore | None = None,
    variables: VariableValues | None = None,
) -> ChatProvider:
    """A ready provider for a registry id or a descriptor.

    The key is ``api_key`` if given, else resolved from ``api_keys``, the environment and
    ``key_store`` (default: :func:`runtime.default_key_store`; see
    :func:`runtime.locate_api_key`). Raises :class:`MissingApiKeyError` when the provider
    needs a key and none is found, :class:`ConfigError` for a key no HTTP header can carry,
    :class:`UnknownProviderError` for an unknown id.
    ``base_url`` replaces the registry's (a proxy, a local test server). ``timeout``,
    ``connect_timeout`` and ``max_time`` are the provider's deadlines (see
    :class:`ChatProvider`). A provider id is
    looked up in ``registry`` (default: the curated one).
    A templated base URL (Azure's resource, Bedrock's region) is filled from ``variables``
    (provider id → variable name → value), the variables' environment variables, ``key_store``
    (entries named ``"<provider id>:<variable>"``) and their defaults; a variable left without
    a value is a :class:`ConfigError` naming it, before any request.
    ``provider_classes`` maps the names descriptors give in ``provider_class`` to the classes
    to use; it wins over :func:`register_provider_class` and the entry points of group
    ``llm_registry.provider_classes``. A name none of them registers is a :class:`ConfigError`.
    """
    if isinstance(provider, str):
        descriptor = get_provider(provider, registry=registry)
    else:
        descriptor = provider
    explicit = api_key.strip() if api_key else ""
    key = explicit or resolve_api_key(descriptor, api_keys, key_store=key_store)
    if descriptor.api_key is not None and key is None:
        raise MissingApiKeyError(missing_key_message(descriptor), provider_id=descriptor.id)
    values = None
    if base_url is None and template_names(descriptor.base_url):
        if key_store is None:
            from llm_registry.runtime._keystore import default_key_store

            key_store = default_key_store()
        values = resolve_variables(descriptor, variables, key_store=key_store)
    cls = provider_class_for(descriptor, provider_classes)
    return cls(
        descriptor,
        api_key=key,
        base_url=base_url,
        timeout=timeout,
        connect_timeout=connect_timeout,
        max_time=max_time,
        variables=values,
    )
