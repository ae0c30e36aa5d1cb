"""Fixtures every test folder shares: the test registry compiled into a package (see
tests/fixture_registry.py), and every test kept away from the real user's keychain and
config folder."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from llm_registry.runtime import Registry, load_registry
from tests.fixture_registry import TEST_REGISTRY_PACKAGE, CompiledRegistry, compile_test_registry


@pytest.fixture(autouse=True)
def _isolated_key_store(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """No test reads or writes the user's keys: keyring has no backend (so the key store is
    the file), the config folder is a fresh temporary one, in this process and its children."""
    from llm_registry.runtime._keystore import KEY_STORE_ENV, default_key_store

    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config")))
    monkeypatch.delenv(KEY_STORE_ENV, raising=False)
    default_key_store.cache_clear()
    # keyring decides its backend once per process; a test may have set another one.
    if "keyring" in sys.modules:
        import keyring
        from keyring.backends import fail

        keyring.set_keyring(fail.Keyring())  # type: ignore[no-untyped-call]
    yield
    default_key_store.cache_clear()


@pytest.fixture(scope="session")
def compiled_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CompiledRegistry]:
    """tests/registry/ compiled into a package on sys.path, and its REGISTRY."""
    import_root = tmp_path_factory.mktemp("registry-package")
    compile_test_registry(import_root)
    sys.path.insert(0, str(import_root))
    try:
        yield CompiledRegistry(
            load_registry(TEST_REGISTRY_PACKAGE), TEST_REGISTRY_PACKAGE, import_root
        )
    finally:
        sys.path.remove(str(import_root))
        for name in [m for m in sys.modules if m.partition(".")[0] == TEST_REGISTRY_PACKAGE]:
            del sys.modules[name]


@pytest.fixture(scope="session")
def test_registry(compiled_registry: CompiledRegistry) -> Registry:
    """The REGISTRY of the package compiled from tests/registry/."""
    return compiled_registry.registry
