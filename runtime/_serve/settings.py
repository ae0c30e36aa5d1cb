"""What the settings page shows and does, without any HTTP: the key forms, each provider's
models, and the actions behind the buttons (save, test, remove a key; show or hide a model;
refresh listings).

Everything is built from the served registry (its key-form spec and logo map), the model
store and the key store the page was given; no key ever leaves this module except into the
key store and the discovery request it was meant for. What is shown of a saved key is its
masked form; what is shown of an error is its message scrubbed of every key at hand.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from llm_registry.runtime._discovery.service import DiscoveryResult, discover_models, refresh_all
from llm_registry.runtime._endpoint import host_names, value_problem, variable_store_name
from llm_registry.runtime._errors import ConfigError, ProviderError, redact
from llm_registry.runtime._keys import checked_api_key, locate_api_key, mask_key
from llm_registry.runtime._registry import discovery_dialect, get_provider

if TYPE_CHECKING:
    from llm_registry.runtime._keys import FoundKey
    from llm_registry.runtime._keystore import KeyStore
    from llm_registry.runtime._registry import Registry
    from llm_registry.runtime._store.records import ModelInfo
    from llm_registry.runtime._store.store import ModelStore

__all__ = ["KeyForm", "Outcome", "ProviderModels", "Settings", "VariableField"]

# What each kind of failure means to someone looking at a key card or a refresh summary.
_KIND_WORDS = {
    "auth": "wrong key",
    "rate_limit": "rate limited",
    "unavailable": "unreachable",
    "config": "not set up",
    "bad_request": "refused the request",
    "context_limit": "refused the request",
}


@dataclass(frozen=True, slots=True)
class Logo:
    """A provider's logo: the file in the registry's logo folder, and whether it is a dark
    drawing on a transparent ground that dark mode should invert."""

    file: str
    invert_in_dark_mode: bool


@dataclass(frozen=True, slots=True)
class VariableField:
    """A field of a key card for one variable of a templated base URL (an Azure resource, an
    AWS region): the registry's spec, and the value a request would use now."""

    name: str
    label: str
    placeholder: str
    env: str | None
    default: str | None
    pattern: str | None
    stored: str | None  # the value saved in the key store, if any
    value: str | None  # the value in use: the environment's, else the stored one, else default
    source: str | None  # "environment", "key store" or "default"


@dataclass(frozen=True, slots=True)
class KeyForm:
    """One provider's key card: the registry's key-form spec plus where its key comes from."""

    provider_id: str
    display_name: str
    env: str
    placeholder: str
    key_url: str
    logo: Logo
    key_source: str | None  # "environment" or "key store"; None when no key is set
    masked_key: str | None  # "••••abcd" — never more of the key
    variables: tuple[VariableField, ...]


@dataclass(frozen=True, slots=True)
class ProviderModels:
    """One provider's section of the model list."""

    provider_id: str
    display_name: str
    logo: Logo
    needs_key: bool
    has_key: bool
    status: str  # where the list comes from, in words
    models: tuple[ModelInfo, ...]


@dataclass(frozen=True, slots=True)
class Outcome:
    """A key test or one provider's refresh, in words the page shows as they are."""

    provider_id: str
    ok: bool  # the provider answered with a live listing
    models: int
    source: str  # "api", "cache" or "fallback"
    message: str

    def as_json(self) -> dict[str, Any]:
        return {
            "provider_id": self.provider_id,
            "ok": self.ok,
            "models": self.models,
            "source": self.source,
            "message": self.message,
        }


class Settings:
    """The page's state and actions over one registry, model store and key store.

    Key-store and database calls block (a keychain may prompt, SQLite may wait on a lock), so
    the page runs the synchronous methods in a worker thread; the discovery methods are async.
    """

    def __init__(
        self, registry: Registry, store: ModelStore, key_store: KeyStore, *, timeout: float
    ) -> None:
        self.registry = registry
        self.store = store
        self.key_store = key_store
        self.timeout = timeout
        # The last outcome of each provider's refresh or test, for the status line of its models.
        self._last: dict[str, Outcome] = {}

    # --- the registry's key-form spec and logo map ----------------------------------------------

    @cached_property
    def _forms(self) -> list[dict[str, Any]]:
        spec = json.loads(self.registry.key_forms_json.read_text(encoding="utf-8"))
        forms: list[dict[str, Any]] = spec["forms"]
        return forms

    @cached_property
    def logos(self) -> dict[str, Logo]:
        """Provider id → logo, from the registry's logo map."""
        spec = json.loads(self.registry.logos_json.read_text(encoding="utf-8"))
        return {
            provider_id: Logo(
                file=entry["svg"].rpartition("/")[2],
                invert_in_dark_mode=bool(entry.get("invert_in_dark_mode", False)),
            )
            for provider_id, entry in spec["logos"].items()
        }

    def logo_file(self, provider_id: str) -> str | None:
        """The file name of a provider's logo in the registry's logo folder, if it has one."""
        logo = self.logos.get(provider_id)
        return None if logo is None else logo.file

    def _logo(self, provider_id: str) -> Logo:
        return self.logos.get(provider_id, Logo(file="", invert_in_dark_mode=False))

    # --- keys ------------------------------------------------------------------------------------

    def key_forms(self) -> list[KeyForm]:
        """A card for every provider that takes a key, in the registry's display order."""
        return [self._key_form(form) for form in self._forms]

    def key_form(self, provider_id: str) -> KeyForm:
        for form in self._forms:
            if form["provider_id"] == provider_id:
                return self._key_form(form)
        raise ConfigError(f"{provider_id!r} takes no API key in this registry")

    def _key_form(self, form: dict[str, Any]) -> KeyForm:
        found = self._found_key(form["provider_id"])
        return KeyForm(
            provider_id=form["provider_id"],
            display_name=form["display_name"],
            env=form["env"],
            placeholder=form["placeholder"],
            key_url=form["key_url"],
            logo=self._logo(form["provider_id"]),
            key_source=None if found is None else found.source,
            masked_key=None if found is None else mask_key(found.key),
            variables=tuple(
                self._variable_field(form["provider_id"], spec)
                for spec in form.get("variables", ())
            ),
        )

    def _variable_field(self, provider_id: str, spec: dict[str, Any]) -> VariableField:
        # The order of runtime/_endpoint.py, without an app's explicit values (the page has none).
        env = spec.get("env")
        from_env = os.environ.get(env, "").strip() if env else ""
        stored = (self.key_store.get(variable_store_name(provider_id, spec["name"])) or "").strip()
        default = spec.get("default")
        value, source = next(
            (
                (value, source)
                for value, source in (
                    (from_env, "environment"),
                    (stored, "key store"),
                    (default, "default"),
                )
                if value
            ),
            (None, None),
        )
        return VariableField(
            name=spec["name"],
            label=spec["label"],
            placeholder=spec["placeholder"],
            env=env,
            default=default,
            pattern=spec.get("pattern"),
            stored=stored or None,
            value=value,
            source=source,
        )

    def save_variable(self, provider_id: str, name: str, value: str) -> KeyForm:
        """Keep a variable's value in the key store (a blank value removes it, so the default
        applies again); raises :class:`ConfigError` for a value the URL cannot take, naming
        the variable and never quoting the value."""
        descriptor = get_provider(provider_id, registry=self.registry)
        form = self.key_form(provider_id)
        field = next((v for v in form.variables if v.name == name), None)
        if field is None:
            raise ConfigError(f"{descriptor.display_name} has no variable {name!r}")
        entry = variable_store_name(provider_id, name)
        value = value.strip()
        if not value:
            self.key_store.delete(entry)
            return self.key_form(provider_id)
        in_host = name in host_names(descriptor.base_url)
        problem = value_problem(value, field.pattern, in_host=in_host)
        if problem is not None:
            raise ConfigError(f"the {descriptor.display_name} {field.label} {problem}")
        self.key_store.set(entry, value)
        self._last.pop(provider_id, None)
        return self.key_form(provider_id)

    def _found_key(self, provider_id: str) -> FoundKey | None:
        try:
            return locate_api_key(provider_id, registry=self.registry, key_store=self.key_store)
        except ConfigError:
            return None  # a key no header can carry counts as none here; Test says why

    def save_key(self, provider_id: str, key: str) -> KeyForm:
        """Keep ``key`` in the key store; raises :class:`ConfigError` (never quoting the key) for
        a provider without a key or a key no HTTP header can carry."""
        descriptor = get_provider(provider_id, registry=self.registry)
        form = self.key_form(provider_id)  # refuses a keyless provider
        checked = checked_api_key(key.strip(), descriptor, source="the key entered")
        if not checked:
            raise ConfigError("the key is empty", provider_id=provider_id)
        self.key_store.set(provider_id, checked)
        self._last.pop(provider_id, None)
        return self.key_form(form.provider_id)

    def delete_key(self, provider_id: str) -> KeyForm:
        self.key_form(provider_id)  # refuses a keyless provider
        self.key_store.delete(provider_id)
        self._last.pop(provider_id, None)
        return self.key_form(provider_id)

    def known_keys(self) -> list[str]:
        """Every key the page could use, to scrub from anything it shows."""
        keys = []
        for form in self._forms:
            found = self._found_key(form["provider_id"])
            if found is not None:
                keys.append(found.key)
        return keys

    async def test_key(self, provider_id: str) -> Outcome:
        """List the provider's models live with the key a request would use now."""
        self.key_form(provider_id)  # refuses a keyless provider
        keys = await asyncio.to_thread(self.known_keys)
        try:
            result = await discover_models(
                provider_id,
                registry=self.registry,
                refresh=True,
                store=self.store,
                timeout=self.timeout,
                key_store=self.key_store,
            )
        except ProviderError as error:
            outcome = Outcome(provider_id, False, 0, "fallback", _in_words(error, keys))
        else:
            outcome = _outcome(result, keys)
        self._last[provider_id] = outcome
        return outcome

    # --- models ----------------------------------------------------------------------------------

    def provider_models(self) -> list[ProviderModels]:
        """Every provider's models from the store, in the registry's display order."""
        rows: dict[str, list[ModelInfo]] = {}
        for model in self.store.models():
            rows.setdefault(model.provider_id, []).append(model)
        sections = []
        for provider_id in self.registry.ids:
            descriptor = get_provider(provider_id, registry=self.registry)
            needs_key = descriptor.api_key is not None
            sections.append(
                ProviderModels(
                    provider_id=provider_id,
                    display_name=descriptor.display_name,
                    logo=self._logo(provider_id),
                    needs_key=needs_key,
                    has_key=not needs_key or self._found_key(provider_id) is not None,
                    status=self._status(provider_id, descriptor.base_url),
                    models=tuple(rows.get(provider_id, ())),
                )
            )
        return sections

    def _status(self, provider_id: str, base_url: str) -> str:
        last = self._last.get(provider_id)
        if last is not None:
            return last.message
        descriptor = get_provider(provider_id, registry=self.registry)
        if discovery_dialect(descriptor) == "none":
            return "From the registry (this provider has no model listing)"
        listing = self.store.load_listing(provider_id, base_url)
        if listing is None:
            return "From the registry (not listed yet)"
        return f"Listed {_age(time.time() - listing.fetched_at)} ago (cache)"

    def set_hidden(self, model_id: str, hidden: bool) -> bool:
        """The user's choice for one model; False when the store has no such model."""
        return self.store.set_hidden(model_id, hidden)

    async def refresh(
        self, provider_ids: Sequence[str] | None, on_outcome: Callable[[Outcome], None]
    ) -> list[Outcome]:
        """Refresh the given providers (default: every one with a key or needing none), calling
        ``on_outcome`` as each finishes."""
        for provider_id in provider_ids or ():
            get_provider(provider_id, registry=self.registry)  # an unknown id fails before any
        keys = await asyncio.to_thread(self.known_keys)
        outcomes: list[Outcome] = []

        def finished(result: DiscoveryResult) -> None:
            outcome = _outcome(result, keys)
            self._last[result.provider_id] = outcome
            outcomes.append(outcome)
            on_outcome(outcome)

        await refresh_all(
            registry=self.registry,
            providers=provider_ids,
            store=self.store,
            timeout=self.timeout,
            on_result=finished,
            key_store=self.key_store,
        )
        return outcomes


def _outcome(result: DiscoveryResult, keys: list[str]) -> Outcome:
    count = len(result.models)
    noun = "model" if count == 1 else "models"
    if result.error is None:
        where = {"api": "listed live", "cache": "from the cache"}.get(
            result.source, "from the registry"
        )
        return Outcome(
            result.provider_id,
            result.source == "api",
            count,
            result.source,
            f"✓ {count} {noun}, {where}",
        )
    shown = {"cache": "showing the cached list", "fallback": "showing the registry's list"}
    return Outcome(
        result.provider_id,
        False,
        count,
        result.source,
        f"✗ {_in_words(result.error, keys)} — {shown.get(result.source, 'showing')} "
        f"({count} {noun})",
    )


def _in_words(error: ProviderError, keys: list[str]) -> str:
    words = _KIND_WORDS.get(error.kind, "failed")
    return redact(f"{words.capitalize()}: {error.message}", *keys)


def _age(seconds: float) -> str:
    if seconds < 90:
        return "a minute"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} minutes"
    if seconds < 36 * 3600:
        return f"{round(seconds / 3600)} hours"
    return f"{round(seconds / 86400)} days"
