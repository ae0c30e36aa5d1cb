"""API-key resolution: an explicit mapping first, then the descriptor's environment variable,
then the user's key store (`runtime._keystore`).

Keys are only ever returned to the caller that asked; nothing here logs or formats one (but
:func:`mask_key`, which shows its last four characters at most). A key that no HTTP header can
carry (a line break from a bad paste, a control or non-ASCII character) is refused here, naming
where it came from: sent on, the HTTP client would refuse it with an error that quotes the
whole header, key included.

The key store is consulted last and only when the first two give nothing, so an app that sets
its keys in the environment never touches the keychain (nor imports ``keyring``).

Also here: where a templated base URL's variable takes its value (:func:`locate_variable`,
:func:`missing_variables`, in `runtime._endpoint`'s order), every key at hand for scrubbing
output (:func:`known_keys`), and :class:`ReadOnceKeyStore`, which one page render or action
reads through so that each entry costs one keychain read.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

from llm_registry.runtime._errors import ConfigError
from llm_registry.runtime._registry import get_provider

if TYPE_CHECKING:
    from llm_registry.runtime._descriptor import ProviderDescriptor
    from llm_registry.runtime._endpoint import VariableValues
    from llm_registry.runtime._keystore import KeyStore
    from llm_registry.runtime._registry import Registry

__all__ = [
    "FoundKey",
    "FoundVariable",
    "KeyCheck",
    "ReadOnceKeyStore",
    "can_proceed",
    "checked_api_key",
    "known_keys",
    "locate_api_key",
    "locate_variable",
    "mask_key",
    "missing_variables",
    "resolve_api_key",
]

KeySource = Literal["explicit", "environment", "key store"]
VariableSource = Literal["explicit", "environment", "key store", "default"]
# What mask_key shows in place of a key; its last four characters follow for a long key.
MASK: Final = "\u2022" * 4
_MASK_SHOWS_END_FROM: Final = 12  # shorter keys show nothing of themselves


@dataclass(frozen=True, slots=True)
class KeyCheck:
    """Whether a request to a provider can go out; if not, ``message`` says what to do."""

    ok: bool
    message: str | None = None


@dataclass(frozen=True, slots=True)
class FoundKey:
    """A provider's key and where it was found.

    ``source`` is ``"explicit"`` (the ``api_keys`` mapping), ``"environment"`` or
    ``"key store"``; ``where`` is ``"api_keys"``, the variable's name, or the key store's
    ``location``. ``repr`` never shows the key.
    """

    key: str
    source: KeySource
    where: str

    def __repr__(self) -> str:
        return f"FoundKey(key={mask_key(self.key)!r}, source={self.source!r}, where={self.where!r})"


def mask_key(key: str) -> str:
    """``key`` as it may be shown: "••••" and, for a key of 12 characters or more, its last
    four ("••••wxyz")."""
    return MASK + key[-4:] if len(key) >= _MASK_SHOWS_END_FROM else MASK


def _descriptor(
    provider: ProviderDescriptor | str, registry: Registry | None
) -> ProviderDescriptor:
    return get_provider(provider, registry=registry) if isinstance(provider, str) else provider


def locate_api_key(
    provider: ProviderDescriptor | str,
    api_keys: Mapping[str, str] | None = None,
    *,
    registry: Registry | None = None,
    key_store: KeyStore | None = None,
) -> FoundKey | None:
    """``provider``'s key and where it came from, or None for a keyless provider or a missing
    key.

    Looked for in ``api_keys`` (provider id → key, e.g. from the app's settings), then in the
    environment variable the descriptor names, then in ``key_store`` (default:
    :func:`default_key_store`, consulted only when the first two give nothing). Blank values
    count as missing; surrounding whitespace (a pasted newline) is dropped. Raises
    :class:`ConfigError`, naming where the key is (never the key), for a key with a character
    no HTTP header can carry, or for a key store that cannot be read. A provider id is looked up
    in ``registry`` (default: the curated one).
    """
    descriptor = _descriptor(provider, registry)
    if descriptor.api_key is None:
        return None
    if api_keys is not None:
        explicit = (api_keys.get(descriptor.id) or "").strip()
        if explicit:
            source = f"the key given for {descriptor.id!r}"
            key = checked_api_key(explicit, descriptor, source=source)
            return FoundKey(key, "explicit", "api_keys")
    env = descriptor.api_key.env
    from_env = os.environ.get(env, "").strip()
    if from_env:
        return FoundKey(checked_api_key(from_env, descriptor, source=env), "environment", env)
    if key_store is None:
        from llm_registry.runtime._keystore import default_key_store

        key_store = default_key_store()
    stored = (key_store.get(descriptor.id) or "").strip()
    if not stored:
        return None
    where = key_store.location
    return FoundKey(checked_api_key(stored, descriptor, source=where), "key store", where)


def resolve_api_key(
    provider: ProviderDescriptor | str,
    api_keys: Mapping[str, str] | None = None,
    *,
    registry: Registry | None = None,
    key_store: KeyStore | None = None,
) -> str | None:
    """The key to use for ``provider``, or None for a keyless provider or a missing key: the
    key :func:`locate_api_key` finds (``api_keys``, then the environment, then ``key_store``).
    """
    found = locate_api_key(provider, api_keys, registry=registry, key_store=key_store)
    return None if found is None else found.key


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
    key_store: KeyStore | None = None,
) -> KeyCheck:
    """Whether a request to ``provider`` can go out with the keys at hand (``api_keys``, the
    environment, ``key_store``: see :func:`locate_api_key`).

    Keyless providers (local servers) always can. Otherwise the answer carries a sentence for
    the user naming the provider and where to put the key. A provider id is looked up in
    ``registry`` (default: the curated one).
    """
    descriptor = _descriptor(provider, registry)
    if descriptor.api_key is None:
        return KeyCheck(ok=True)
    try:
        key = resolve_api_key(descriptor, api_keys, key_store=key_store)
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
        f"Please add your {descriptor.display_name} API key in Settings (`llm-registry serve`) "
        f"or with `llm-registry keys set {descriptor.id}`, or set the "
        f"{descriptor.api_key.env} environment variable; "
        f"you can create one at {descriptor.api_key.url}"
    )


def known_keys(
    descriptors: Iterable[ProviderDescriptor],
    api_keys: Mapping[str, str] | None = None,
    *,
    key_store: KeyStore | None,
) -> list[str]:
    """Every key ``descriptors`` could use, to scrub from what is shown: ``api_keys``', the
    environment's, and ``key_store``'s (skipped when None) for the providers whose variable is
    unset, each entry read at most once per call. Keys no header can carry are included (they
    are still keys). Never raises: the first entry the store cannot read ends its part, since
    a store that fails once (a locked keychain) would fail, or prompt, for every one."""
    keys: list[str] = []
    unset: list[str] = []
    for descriptor in descriptors:
        if descriptor.api_key is None:
            continue
        given = ((api_keys or {}).get(descriptor.id) or "").strip()
        from_env = os.environ.get(descriptor.api_key.env, "").strip()
        keys.extend(key for key in (given, from_env) if key)
        if not from_env and descriptor.id not in unset:
            unset.append(descriptor.id)
    for provider_id in unset:
        if key_store is None:
            break
        try:
            stored = (key_store.get(provider_id) or "").strip()
        except Exception:  # the command or page that needs the key says why
            break
        if stored:
            keys.append(stored)
    return list(dict.fromkeys(keys))


class ReadOnceKeyStore:
    """A key store that reads each entry at most once while it lives, for one page render or
    one action: a keychain read is a D-Bus call (or a prompt). Made per call and dropped with
    it, so nothing is remembered beyond the call; a write or removal goes through to
    ``store`` and forgets what was read of that entry."""

    def __init__(self, store: KeyStore) -> None:
        self._store = store
        self._read: dict[str, str | None] = {}

    @property
    def location(self) -> str:
        return self._store.location

    def get(self, provider_id: str) -> str | None:
        if provider_id not in self._read:
            self._read[provider_id] = self._store.get(provider_id)
        return self._read[provider_id]

    def set(self, provider_id: str, key: str) -> None:
        self._read.pop(provider_id, None)
        self._store.set(provider_id, key)

    def delete(self, provider_id: str) -> bool:
        self._read.pop(provider_id, None)
        return self._store.delete(provider_id)


@dataclass(frozen=True, slots=True)
class FoundVariable:
    """A base-URL variable's value and where it was found: ``source`` is ``"explicit"`` (the
    ``variables`` mapping), ``"environment"``, ``"key store"`` or ``"default"``; ``where`` is
    ``"variables"``, the environment variable's name, the key store's location or
    ``"its default"``. The value is not checked (see :func:`~runtime._endpoint.value_problem`).
    """

    value: str
    source: VariableSource
    where: str


def locate_variable(
    descriptor: ProviderDescriptor,
    name: str,
    variables: VariableValues | None = None,
    *,
    key_store: KeyStore | None,
) -> FoundVariable | None:
    """Where the value of ``descriptor``'s base-URL variable ``name`` comes from, in the order a
    request looks (see `runtime._endpoint`): ``variables``, the variable's environment
    variable, ``key_store`` (skipped when None) under ``"<provider id>:<name>"``, its default;
    None when it has no value anywhere. Raises :class:`ConfigError` for a store that cannot be
    read."""
    spec = (getattr(descriptor, "variables", None) or {}).get(name)
    given = ((variables or {}).get(descriptor.id) or {}).get(name, "").strip()
    if given:
        return FoundVariable(given, "explicit", "variables")
    env = spec.env if spec is not None else None
    from_env = os.environ.get(env, "").strip() if env else ""
    if env and from_env:
        return FoundVariable(from_env, "environment", env)
    if key_store is not None:
        # Imported here: `import llm_registry.runtime` loads this module, and the URL modules
        # are only needed once a templated base URL is resolved.
        from llm_registry.runtime._endpoint import variable_store_name

        stored = (key_store.get(variable_store_name(descriptor.id, name)) or "").strip()
        if stored:
            return FoundVariable(stored, "key store", key_store.location)
    default = spec.default if spec is not None else None
    return FoundVariable(default, "default", "its default") if default else None


def missing_variables(
    descriptor: ProviderDescriptor,
    variables: VariableValues | None = None,
    *,
    key_store: KeyStore | None,
) -> list[str]:
    """The placeholders of ``descriptor``'s base URL without a value anywhere (see
    :func:`locate_variable`), in the URL's order; a value that is there but unusable is not
    missing (a request says what is wrong with it)."""
    from llm_registry.runtime._urls import template_names

    return [
        name
        for name in template_names(descriptor.base_url)
        if locate_variable(descriptor, name, variables, key_store=key_store) is None
    ]
