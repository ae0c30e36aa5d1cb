"""API-key resolution: an explicit mapping first, then the descriptor's environment variable.

Keys are only ever returned to the caller that asked; nothing here logs or formats one. A key
that no HTTP header can carry (a line break from a bad paste, a control or non-ASCII character)
is refused here, naming where it came from: sent on, the HTTP client would refuse it with an
error that quotes the whole header, key included.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from llm_registry.runtime._errors import ConfigError
from llm_registry.runtime._registry import get_provider

if TYPE_CHECKING:
    from llm_registry.runtime._descriptor import ProviderDescriptor
    from llm_registry.runtime._registry import Registry

__all__ = ["KeyCheck", "can_proceed", "checked_api_key", "resolve_api_key"]


@dataclass(frozen=True, slots=True)
class KeyCheck:
    """Whether a request to a provider can go out; if not, ``message`` says what to do."""

    ok: bool
    message: str | None = None


def _descriptor(
    provider: ProviderDescriptor | str, registry: Registry | None
) -> ProviderDescriptor:
    return get_provider(provider, registry=registry) if isinstance(provider, str) else provider


def resolve_api_key(
    provider: ProviderDescriptor | str,
    api_keys: Mapping[str, str] | None = None,
    *,
    registry: Registry | None = None,
) -> str | None:
    """The key to use for ``provider``, or None for a keyless provider or a missing key.

    ``api_keys`` (provider id → key, e.g. from the app's settings) wins over the environment
    variable the descriptor names. Blank values count as missing; surrounding whitespace
    (a pasted newline) is dropped. Raises :class:`ConfigError`, naming the variable (never the
    value), for a key with a character no HTTP header can carry. A provider id is looked up
    in ``registry`` (default: the curated one).
    """
    descriptor = _descriptor(provider, registry)
    if descriptor.api_key is None:
        return None
    if api_keys is not None:
        explicit = api_keys.get(descriptor.id)
        if explicit and explicit.strip():
            return checked_api_key(
                explicit.strip(), descriptor, source=f"the key given for {descriptor.id!r}"
            )
    from_env = os.environ.get(descriptor.api_key.env, "").strip()
    if not from_env:
        return None
    return checked_api_key(from_env, descriptor, source=descriptor.api_key.env)


def checked_api_key(key: str, descriptor: ProviderDescriptor, *, source: str) -> str:
    """``key`` if an HTTP header can carry it (printable ASCII), else a :class:`ConfigError`
    saying so about ``source`` (an environment variable, say) without quoting the key."""
    return checked_key_text(
        key,
        what=f"the {descriptor.display_name} API key in {source}",
        provider_id=descriptor.id,
    )


def checked_key_text(key: str, *, what: str, provider_id: str) -> str:
    """``key`` if an HTTP header can carry it (printable ASCII), else a :class:`ConfigError`
    about ``what`` (e.g. "the key to store for 'openai'"), which never quotes the key."""
    if key.isascii() and key.isprintable():
        return key
    raise ConfigError(
        f"{what} holds a line break, a control character or a non-ASCII character, which an "
        "HTTP header cannot carry; set it again as the key alone, on one line",
        provider_id=provider_id,
    )


def can_proceed(
    provider: ProviderDescriptor | str,
    api_keys: Mapping[str, str] | None = None,
    *,
    registry: Registry | None = None,
) -> KeyCheck:
    """Whether a request to ``provider`` can go out with the keys at hand.

    Keyless providers (local servers) always can. Otherwise the answer carries a sentence for
    the user naming the provider and where to put the key. A provider id is looked up in
    ``registry`` (default: the curated one).
    """
    descriptor = _descriptor(provider, registry)
    if descriptor.api_key is None:
        return KeyCheck(ok=True)
    try:
        key = resolve_api_key(descriptor, api_keys)
    except ConfigError as error:
        return KeyCheck(ok=False, message=error.message)
    if key is not None:
        return KeyCheck(ok=True)
    return KeyCheck(ok=False, message=missing_key_message(descriptor))


def missing_key_message(descriptor: ProviderDescriptor) -> str:
    """The sentence telling the user how to supply ``descriptor``'s key."""
    if descriptor.api_key is None:
        return f"{descriptor.display_name} needs no API key."
    return (
        f"Please add your {descriptor.display_name} API key in Settings "
        f"(or set the {descriptor.api_key.env} environment variable); "
        f"you can create one at {descriptor.api_key.url}"
    )
