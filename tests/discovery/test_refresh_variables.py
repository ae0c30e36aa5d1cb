"""refreshable_providers leaves out a provider whose base URL has a variable without a value
anywhere (it would only fail inside the refresh), on the test registry's wire-templated."""

from __future__ import annotations

from pathlib import Path

import pytest

from llm_registry.runtime import Registry
from llm_registry.runtime._discovery.refresh import refreshable_providers
from llm_registry.runtime._keystore import FileKeyStore

KEY = "sk-templated-0123456789abcdef"


@pytest.fixture(autouse=True)
def _templated_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WIRE_TEMPLATED_RESOURCE", raising=False)
    monkeypatch.delenv("WIRE_TEMPLATED_API_KEY", raising=False)


@pytest.fixture
def key_store(tmp_path: Path) -> FileKeyStore:
    return FileKeyStore(tmp_path / "keys.json")


def _ids(
    registry: Registry, key_store: FileKeyStore, **variables: str
) -> tuple[set[str], set[str]]:
    ready, skipped = refreshable_providers(
        {"wire-templated": KEY},
        registry=registry,
        key_store=key_store,
        variables={"wire-templated": variables} if variables else None,
    )
    return {d.id for d in ready}, {d.id for d in skipped}


def test_a_variable_without_a_value_is_skipped(
    test_registry: Registry, key_store: FileKeyStore
) -> None:
    ready, skipped = _ids(test_registry, key_store)
    assert "wire-templated" in skipped and "wire-templated" not in ready


def test_a_value_from_any_place_makes_it_ready(
    test_registry: Registry, key_store: FileKeyStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert "wire-templated" in _ids(test_registry, key_store, resource="given")[0]
    key_store.set("wire-templated:resource", "stored")
    assert "wire-templated" in _ids(test_registry, key_store)[0]
    key_store.delete("wire-templated:resource")
    monkeypatch.setenv("WIRE_TEMPLATED_RESOURCE", "from-env")
    assert "wire-templated" in _ids(test_registry, key_store)[0]


def test_an_unusable_value_is_ready_so_the_refresh_says_why(
    test_registry: Registry, key_store: FileKeyStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WIRE_TEMPLATED_RESOURCE", "Not/A-Resource")
    assert "wire-templated" in _ids(test_registry, key_store)[0]


def test_a_missing_key_still_skips_whatever_the_variables(
    test_registry: Registry, key_store: FileKeyStore
) -> None:
    _, skipped = refreshable_providers(
        registry=test_registry,
        key_store=key_store,
        variables={"wire-templated": {"resource": "given"}},
    )
    assert "wire-templated" in {d.id for d in skipped}
