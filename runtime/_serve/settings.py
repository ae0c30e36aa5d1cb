"""What the settings page does, without any HTTP: it fills the views (`views`) from the
registry, the model store and the key store, and runs the actions behind the buttons (save,
test, remove a key or a variable; show or hide a model; refresh listings).

Everything is built from the served registry (its key-form spec and logo map), the model
store and the key store the page was given; no key ever leaves this module except into the
key store and the discovery request it was meant for. What is shown of a saved key is its
masked form; what is shown of an error is its message scrubbed of every key at hand.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from llm_registry.runtime._discovery.refresh import refresh_all, refreshable_providers
from llm_registry.runtime._discovery.service import discover_models
from llm_registry.runtime._endpoint import variable_problem, variable_store_name
from llm_registry.runtime._errors import ConfigError, ProviderError
from llm_registry.runtime._keys import (
    ReadOnceKeyStore,
    checked_api_key,
    known_keys,
    locate_api_key,
    locate_variable,
    mask_key,
    missing_variables,
)
from llm_registry.runtime._registry import discovery_dialect, get_provider
from llm_registry.runtime._serve.views import (
    KeyForm,
    Logo,
    Outcome,
    ProviderModels,
    VariableField,
    age_in_words,
    in_words,
    outcome_of,
)

if TYPE_CHECKING:
    from llm_registry.runtime._descriptor import ProviderDescriptor
    from llm_registry.runtime._keys import FoundKey
    from llm_registry.runtime._keystore import KeyStore
    from llm_registry.runtime._registry import Registry
    from llm_registry.runtime._store.records import ModelInfo
    from llm_registry.runtime._store.store import ModelStore

__all__ = ["Settings"]


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

    def page_views(self) -> tuple[list[KeyForm], list[ProviderModels]]:
        """The key cards and the model sections of one render of the page, from one read of
        each key-store entry (with a keychain, each read is a D-Bus call)."""
        store = self._reader()
        return self.key_forms(store), self.provider_models(store)

    def _reader(self) -> ReadOnceKeyStore:
        """The key store, read at most once per entry by one render or one action."""
        return ReadOnceKeyStore(self.key_store)

    def key_forms(self, key_store: KeyStore | None = None) -> list[KeyForm]:
        """A card for every provider that takes a key, in the registry's display order
        (``key_store``: what one render reads through, see :meth:`page_views`)."""
        store = key_store or self._reader()
        return [self._key_form(form, store) for form in self._forms]

    def key_form(self, provider_id: str, key_store: KeyStore | None = None) -> KeyForm:
        for form in self._forms:
            if form["provider_id"] == provider_id:
                return self._key_form(form, key_store or self._reader())
        raise ConfigError(f"{provider_id!r} takes no API key in this registry")

    def _key_form(self, form: dict[str, Any], store: KeyStore) -> KeyForm:
        found = self._found_key(form["provider_id"], store)
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
                self._variable_field(form["provider_id"], spec, store)
                for spec in form.get("variables", ())
            ),
        )

    def _variable_field(
        self, provider_id: str, spec: dict[str, Any], store: KeyStore
    ) -> VariableField:
        # The value a request would use (the page has no app's explicit values), and apart
        # from it the stored one, which is what the field shows and edits.
        descriptor = get_provider(provider_id, registry=self.registry)
        found = locate_variable(descriptor, spec["name"], key_store=store)
        stored = (store.get(variable_store_name(provider_id, spec["name"])) or "").strip()
        return VariableField(
            name=spec["name"],
            label=spec["label"],
            placeholder=spec["placeholder"],
            env=spec.get("env"),
            default=spec.get("default"),
            pattern=spec.get("pattern"),
            stored=stored or None,
            value=None if found is None else found.value,
            source=None if found is None else found.source,
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
        problem = variable_problem(descriptor, name, value)
        if problem is not None:
            raise ConfigError(f"the {descriptor.display_name} {field.label} {problem}")
        self.key_store.set(entry, value)
        self._last.pop(provider_id, None)
        return self.key_form(provider_id)

    def _found_key(self, provider_id: str, store: KeyStore) -> FoundKey | None:
        try:
            return locate_api_key(provider_id, registry=self.registry, key_store=store)
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

    def known_keys(self, key_store: KeyStore | None = None) -> list[str]:
        """Every key the page could use, to scrub from anything it shows (each entry of
        ``key_store`` read once; by default a fresh read of the page's store)."""
        descriptors = [
            get_provider(form["provider_id"], registry=self.registry) for form in self._forms
        ]
        return known_keys(descriptors, key_store=key_store or self._reader())

    async def test_key(self, provider_id: str) -> Outcome:
        """List the provider's models live with the key a request would use now."""
        store = self._reader()  # the key and variables read once, for the words and the request
        await asyncio.to_thread(self.key_form, provider_id, store)  # refuses a keyless provider
        keys = await asyncio.to_thread(self.known_keys, store)
        try:
            result = await discover_models(
                provider_id,
                registry=self.registry,
                refresh=True,
                store=self.store,
                timeout=self.timeout,
                key_store=store,
            )
        except ProviderError as error:
            outcome = Outcome(provider_id, False, 0, "fallback", in_words(error, keys))
        else:
            outcome = outcome_of(result, keys)
        self._last[provider_id] = outcome
        return outcome

    # --- models ----------------------------------------------------------------------------------

    def provider_models(self, key_store: KeyStore | None = None) -> list[ProviderModels]:
        """Every provider's models from the store, in the registry's display order."""
        store = key_store or self._reader()
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
                    has_key=not needs_key or self._found_key(provider_id, store) is not None,
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
        return f"Listed {age_in_words(time.time() - listing.fetched_at)} ago (cache)"

    def set_hidden(self, model_id: str, hidden: bool) -> bool:
        """The user's choice for one model; False when the store has no such model."""
        return self.store.set_hidden(model_id, hidden)

    async def refresh(
        self, provider_ids: Sequence[str] | None, on_outcome: Callable[[Outcome], None]
    ) -> list[Outcome]:
        """Refresh the given providers (default: every one with a key or needing none, and a
        value for each variable of its base URL), calling ``on_outcome`` as each finishes; a
        provider left out for want of a variable's value gets an outcome saying which (one
        left out for want of a key does not: its card already says so)."""
        for provider_id in provider_ids or ():
            get_provider(provider_id, registry=self.registry)  # an unknown id fails before any
        store = self._reader()
        keys = await asyncio.to_thread(self.known_keys, store)
        outcomes: list[Outcome] = []

        def finished(outcome: Outcome) -> None:
            self._last[outcome.provider_id] = outcome
            outcomes.append(outcome)
            on_outcome(outcome)

        chosen: Sequence[str | ProviderDescriptor] | None = provider_ids
        if provider_ids is None:
            ready, skipped = await asyncio.to_thread(
                refreshable_providers, registry=self.registry, key_store=store
            )
            chosen = ready
            for outcome in await asyncio.to_thread(self._unset_variables, skipped, store):
                finished(outcome)
        await refresh_all(
            registry=self.registry,
            providers=chosen,
            store=self.store,
            timeout=self.timeout,
            on_result=lambda result: finished(outcome_of(result, keys)),
            key_store=store,
        )
        return outcomes

    def _unset_variables(
        self, skipped: Sequence[ProviderDescriptor], store: KeyStore
    ) -> list[Outcome]:
        """An outcome for each of ``skipped`` that has its key (or needs none) but lacks the
        value of a variable of its base URL, saying where to set it."""
        outcomes = []
        for descriptor in skipped:
            names = missing_variables(descriptor, key_store=store)
            needs_key = descriptor.api_key is not None
            if not names or (needs_key and self._found_key(descriptor.id, store) is None):
                continue
            specs = getattr(descriptor, "variables", None) or {}
            what = " and ".join(
                f"{specs[name].label} ({name})" if name in specs else name for name in names
            )
            where = ["on its key card"] if needs_key else []
            where += [f"in {specs[n].env}" for n in names if n in specs and specs[n].env]
            where.append(f"with `llm-registry keys set {descriptor.id} --var NAME=VALUE`")
            message = f"Not refreshed: set {what} " + ", or ".join(where)
            outcomes.append(Outcome(descriptor.id, False, 0, "skipped", message))
        return outcomes
