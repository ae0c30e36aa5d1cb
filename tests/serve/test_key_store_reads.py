"""The settings page reads each key-store entry at most once per render and per action (with a
keychain every read is D-Bus calls), and Refresh all says which provider lacks a base-URL
variable's value. Run on the test registry with a real in-memory key store that counts reads."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import pytest

from llm_registry.runtime import Registry
from llm_registry.runtime._keys import known_keys
from llm_registry.runtime._registry import providers
from llm_registry.runtime._serve.settings import Settings
from llm_registry.runtime._serve.views import Outcome
from llm_registry.runtime._store.store import ModelStore

KEY = "sk-templated-COUNTED-5a7c9e1b3d"


class CountingKeyStore:
    """The KeyStore protocol over a dict, counting every read of every entry."""

    def __init__(self, entries: dict[str, str] | None = None) -> None:
        self.entries = dict(entries or {})
        self.reads: Counter[str] = Counter()

    @property
    def location(self) -> str:
        return "memory"

    def get(self, provider_id: str) -> str | None:
        self.reads[provider_id] += 1
        return self.entries.get(provider_id)

    def set(self, provider_id: str, key: str) -> None:
        self.entries[provider_id] = key.strip()

    def delete(self, provider_id: str) -> bool:
        return self.entries.pop(provider_id, None) is not None


@pytest.fixture(autouse=True)
def _no_keys_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("WIRE_OPENAI_API_KEY", "WIRE_TEMPLATED_API_KEY", "WIRE_TEMPLATED_RESOURCE"):
        monkeypatch.delenv(name, raising=False)


def _settings(test_registry: Registry, tmp_path: Path, key_store: CountingKeyStore) -> Settings:
    store = ModelStore(tmp_path / "models.db", registry=test_registry)
    return Settings(test_registry, store, key_store, timeout=2)


def test_a_page_render_reads_each_entry_once(test_registry: Registry, tmp_path: Path) -> None:
    key_store = CountingKeyStore({"wire-templated": KEY, "wire-templated:resource": "res"})
    settings = _settings(test_registry, tmp_path, key_store)
    forms, sections = settings.page_views()
    assert key_store.reads  # it did read the store
    assert max(key_store.reads.values()) == 1, key_store.reads
    assert "wire-templated:resource" in key_store.reads
    templated = next(form for form in forms if form.provider_id == "wire-templated")
    assert templated.key_source == "key store"
    assert templated.variables[0].value == "res"
    assert next(s for s in sections if s.provider_id == "wire-templated").has_key


def test_known_keys_reads_only_unset_providers_once_each(
    test_registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WIRE_OPENAI_API_KEY", "sk-env-0123456789")
    key_store = CountingKeyStore({"wire-templated": KEY})
    descriptors = providers(registry=test_registry)
    keys = known_keys([*descriptors, *descriptors], key_store=key_store)
    assert keys == ["sk-env-0123456789", KEY]
    assert "wire-openai" not in key_store.reads  # its variable is set
    assert max(key_store.reads.values()) == 1, key_store.reads


def test_an_error_report_reads_each_entry_once(test_registry: Registry, tmp_path: Path) -> None:
    # wire-templated has its key but no value for {resource}: the test fails, naming it.
    key_store = CountingKeyStore({"wire-templated": KEY})
    settings = _settings(test_registry, tmp_path, key_store)
    outcome = asyncio.run(settings.test_key("wire-templated"))
    assert not outcome.ok
    assert "{resource}" in outcome.message and KEY not in outcome.message
    assert max(key_store.reads.values()) == 1, key_store.reads


def test_refresh_all_names_the_unset_variable_and_reads_each_entry_once(
    test_registry: Registry, tmp_path: Path
) -> None:
    key_store = CountingKeyStore({"wire-templated": KEY})
    settings = _settings(test_registry, tmp_path, key_store)
    seen: list[Outcome] = []
    outcomes = asyncio.run(settings.refresh(None, seen.append))
    assert outcomes == seen
    by_id = {outcome.provider_id: outcome for outcome in outcomes}
    skipped = by_id["wire-templated"]
    assert skipped.source == "skipped" and not skipped.ok
    assert "Resource name (resource)" in skipped.message
    assert "WIRE_TEMPLATED_RESOURCE" in skipped.message and "key card" in skipped.message
    assert "wire-openai" not in by_id  # no key: its card says so, refresh says nothing
    assert max(key_store.reads.values()) == 1, key_store.reads
    # The section's status line says it too, until a value is saved.
    section = next(s for s in settings.provider_models() if s.provider_id == "wire-templated")
    assert section.status == skipped.message
    settings.save_variable("wire-templated", "resource", "res")
    section = next(s for s in settings.provider_models() if s.provider_id == "wire-templated")
    assert section.status != skipped.message
