"""The key store: a 0600 JSON file against real files, the keychain through keyring's own
backend interface (tests/runtime/memory_keyring.py), which one `default_key_store` picks, and
key resolution in the order explicit mapping > environment > key store."""

from __future__ import annotations

import asyncio
import json
import os
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail, null

from llm_registry import runtime
from llm_registry.runtime import ConfigError, FileKeyStore, KeyringKeyStore, Registry
from llm_registry.runtime._keystore import KEY_STORE_ENV, default_key_file, default_key_store
from tests.fixture_registry import CompiledRegistry
from tests.loopback import LoopbackServer
from tests.runtime.memory_keyring import EmptyChainer, LockedKeyring, MemoryKeyring

PROJECT_ROOT = Path(__file__).resolve().parents[2]
KEY = "sk-store-SECRET-4c1d9e7a22b0"
OTHER_KEY = "sk-other-SECRET-9a8b7c6d5e4f"
BAD_KEYS = [
    "sk-store-SECRET\n-4c1d9e7a22b0",
    "sk-store-SECRET-caf\u00e9-4c1d",
    "sk-\x00-SECRET-000",
]


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    return tmp_path / "config" / "llm-registry" / "keys.json"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# FileKeyStore, against real files.


def test_a_file_store_round_trips_and_strips_a_pasted_newline(key_file: Path) -> None:
    store = FileKeyStore(key_file)
    assert store.location == f"the file {key_file}"
    assert store.get("openai") is None  # no file yet: nothing stored, nothing created
    assert not key_file.exists()
    store.set("openai", f"  {KEY}\n")
    store.set("anthropic", OTHER_KEY)
    assert store.get("openai") == KEY
    assert FileKeyStore(key_file).get("anthropic") == OTHER_KEY  # a new instance reads the file
    assert store.delete("openai") is True
    assert store.delete("openai") is False
    assert store.get("openai") is None
    assert json.loads(key_file.read_text()) == {"format": 1, "keys": {"anthropic": OTHER_KEY}}


def test_the_file_is_0600_in_a_folder_created_0700(key_file: Path) -> None:
    old_umask = os.umask(0o022)
    try:
        FileKeyStore(key_file).set("openai", KEY)
    finally:
        os.umask(old_umask)
    assert _mode(key_file) == 0o600
    assert _mode(key_file.parent) == 0o700


def test_a_write_replaces_the_file_whole_and_leaves_no_temporary_file(key_file: Path) -> None:
    store = FileKeyStore(key_file)
    store.set("openai", KEY)
    first = key_file.stat().st_ino
    store.set("anthropic", OTHER_KEY)
    # A new file renamed over the old one, not the old one rewritten in place.
    assert key_file.stat().st_ino != first
    assert sorted(p.name for p in key_file.parent.iterdir()) == ["keys.json"]
    assert _mode(key_file) == 0o600


def test_concurrent_writers_lose_none_of_each_others_keys(key_file: Path) -> None:
    # Each writer has its own store and so its own lock descriptor, as two processes would.
    ids = [f"provider-{number:02d}" for number in range(24)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda provider_id: FileKeyStore(key_file).set(provider_id, KEY), ids))
    assert sorted(json.loads(key_file.read_text())["keys"]) == ids
    with ThreadPoolExecutor(max_workers=8) as pool:
        removed = list(pool.map(FileKeyStore(key_file).delete, ids[::2]))
    assert removed == [True] * len(ids[::2])
    assert sorted(json.loads(key_file.read_text())["keys"]) == ids[1::2]


def test_deleting_from_a_store_never_written_creates_nothing(key_file: Path) -> None:
    assert FileKeyStore(key_file).delete("openai") is False
    assert not key_file.parent.exists()


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660])
def test_a_file_others_can_read_is_refused_with_the_chmod_to_run(key_file: Path, mode: int) -> None:
    store = FileKeyStore(key_file)
    store.set("openai", KEY)
    key_file.chmod(mode)
    before = key_file.read_bytes()
    attempts: list[Callable[[], object]] = [
        lambda: store.get("openai"),
        lambda: store.set("openai", OTHER_KEY),
    ]
    for attempt in attempts:
        with pytest.raises(ConfigError) as caught:
            attempt()
        assert f"chmod 600 {key_file}" in caught.value.message
        assert KEY not in caught.value.message and OTHER_KEY not in caught.value.message
    assert key_file.read_bytes() == before
    key_file.chmod(0o600)
    assert store.get("openai") == KEY


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b'{"format": 1, "keys": {"openai": "' + KEY.encode() + b'",', "not valid JSON"),
        (b"\xff\xfe" + KEY.encode(), "not UTF-8"),
        (json.dumps({"openai": KEY}).encode(), '"format": 1'),
        (json.dumps({"format": 1, "keys": {"openai": 7}}).encode(), '"keys"'),
        (json.dumps([KEY]).encode(), '"format": 1'),
    ],
)
def test_a_corrupt_file_is_reported_and_kept_as_it_is(
    key_file: Path, content: bytes, problem: str
) -> None:
    key_file.parent.mkdir(parents=True)
    key_file.write_bytes(content)
    key_file.chmod(0o600)
    store = FileKeyStore(key_file)
    for attempt in (
        lambda: store.get("openai"),
        lambda: store.set("anthropic", OTHER_KEY),
        lambda: store.delete("openai"),
    ):
        with pytest.raises(ConfigError) as caught:
            attempt()
        message = caught.value.message
        assert problem in message and str(key_file) in message and "left as it is" in message
        assert KEY not in message and OTHER_KEY not in message
    assert key_file.read_bytes() == content


def test_a_file_that_cannot_be_written_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    path = blocker / "keys.json"
    with pytest.raises(ConfigError) as caught:
        FileKeyStore(path).set("openai", KEY)
    assert f"the key file {path}" in caught.value.message
    assert KEY not in caught.value.message
    assert blocker.read_text() == "a file where the folder should be"


@pytest.mark.parametrize("bad", BAD_KEYS)
def test_a_key_no_header_can_carry_is_refused_unquoted(key_file: Path, bad: str) -> None:
    store = FileKeyStore(key_file)
    with pytest.raises(ConfigError) as caught:
        store.set("openai", bad)
    assert "'openai'" in caught.value.message
    assert "SECRET" not in caught.value.message
    assert not key_file.exists()


@pytest.mark.parametrize("blank", ["", "   ", "\n"])
def test_a_blank_key_is_refused(key_file: Path, blank: str) -> None:
    with pytest.raises(ConfigError, match="empty"):
        FileKeyStore(key_file).set("openai", blank)


# KeyringKeyStore, on keyring's backend interface.


def test_a_keyring_store_round_trips_under_its_service() -> None:
    backend = MemoryKeyring()
    store = KeyringKeyStore(backend=backend)
    assert store.location.startswith("the system keychain (")
    assert store.get("openai") is None
    store.set("openai", f"{KEY}\n")
    assert backend.passwords == {("llm-registry", "openai"): KEY}
    assert store.get("openai") == KEY
    assert KeyringKeyStore("another-app", backend=backend).get("openai") is None
    assert store.delete("openai") is True
    assert store.delete("openai") is False
    assert backend.passwords == {}


@pytest.mark.parametrize("bad", BAD_KEYS)
def test_a_keyring_store_refuses_a_bad_key_before_the_backend_sees_it(bad: str) -> None:
    backend = MemoryKeyring()
    with pytest.raises(ConfigError) as caught:
        KeyringKeyStore(backend=backend).set("openai", bad)
    assert "SECRET" not in caught.value.message
    assert backend.passwords == {}


def test_a_locked_keychain_is_a_config_error_naming_the_store_not_the_key() -> None:
    store = KeyringKeyStore(backend=LockedKeyring())
    for attempt in (
        lambda: store.get("openai"),
        lambda: store.set("openai", KEY),
        lambda: store.delete("openai"),
    ):
        with pytest.raises(ConfigError) as caught:
            attempt()
        message = caught.value.message
        assert "the system keychain" in message and "locked" in message
        assert KEY not in message and "SECRET" not in message
        assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_keyrings_own_choice_is_used_when_no_backend_is_given() -> None:
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    KeyringKeyStore().set("openai", KEY)
    assert backend.passwords == {("llm-registry", "openai"): KEY}


# default_key_store: which one.


@pytest.fixture
def memory_keyring() -> Iterator[MemoryKeyring]:
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    default_key_store.cache_clear()
    yield backend


def test_the_keychain_is_chosen_when_keyring_has_a_backend(
    memory_keyring: MemoryKeyring,
) -> None:
    store = default_key_store()
    assert isinstance(store, KeyringKeyStore)
    store.set("openai", KEY)
    assert memory_keyring.passwords == {("llm-registry", "openai"): KEY}
    assert default_key_store() is store  # cached per process


@pytest.mark.parametrize("unusable", [fail.Keyring, null.Keyring, EmptyChainer])
def test_the_file_is_chosen_when_keyring_has_no_usable_backend(
    unusable: type[keyring.backend.KeyringBackend],
) -> None:
    keyring.set_keyring(unusable())
    store = default_key_store()
    assert isinstance(store, FileKeyStore)
    # The user config folder (XDG_CONFIG_HOME is a temporary folder for every test).
    assert store.path == Path(os.environ["XDG_CONFIG_HOME"]) / "llm-registry" / "keys.json"
    assert store.path == default_key_file()


def test_the_variable_forces_the_file_even_with_a_keychain(
    memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_STORE_ENV, "file")
    assert isinstance(default_key_store(), FileKeyStore)


def test_the_variable_forcing_a_missing_keychain_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(KEY_STORE_ENV, "keyring")
    with pytest.raises(ConfigError, match=f"{KEY_STORE_ENV}=file"):
        default_key_store()
    keyring.set_keyring(MemoryKeyring())
    default_key_store.cache_clear()
    assert isinstance(default_key_store(), KeyringKeyStore)


def test_another_value_of_the_variable_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(KEY_STORE_ENV, "vault")
    with pytest.raises(ConfigError, match="'vault'; use 'keyring'"):
        default_key_store()


def _child_default_store(backend_name: str) -> subprocess.CompletedProcess[str]:
    """`default_key_store()` in a fresh process (keyring decides its backend once per process)
    with ``PYTHON_KEYRING_BACKEND=backend_name``."""
    code = (
        "from llm_registry.runtime import ConfigError, default_key_store\n"
        "try:\n"
        "    store = default_key_store()\n"
        "except ConfigError as error:\n"
        "    print('ConfigError', error)\n"
        "else:\n"
        "    print(type(store).__name__, type(getattr(store, 'backend', None)).__name__)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "PYTHON_KEYRING_BACKEND": backend_name}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result


def test_keyrings_own_variable_is_honoured() -> None:
    result = _child_default_store("tests.runtime.memory_keyring.MemoryKeyring")
    assert result.stdout.split() == ["KeyringKeyStore", "MemoryKeyring"]


def test_a_keyring_backend_that_cannot_load_is_a_clear_error() -> None:
    result = _child_default_store("tests.runtime.no_such_module.Keyring")
    assert result.stdout.startswith("ConfigError keyring could not load its backend")
    assert f"{KEY_STORE_ENV}=file" in result.stdout


# Resolution: explicit mapping > environment > key store.


@pytest.fixture
def wire_openai(test_registry: Registry, monkeypatch: pytest.MonkeyPatch) -> str:
    descriptor = runtime.get_provider("wire-openai", registry=test_registry)
    assert descriptor.api_key is not None
    monkeypatch.delenv(descriptor.api_key.env, raising=False)
    return descriptor.api_key.env


class _UnreadableStore:
    """A key store that must not be asked (the environment already has the key)."""

    location = "a store that must not be asked"

    def get(self, provider_id: str) -> str | None:
        raise AssertionError("the key store was consulted")

    def set(self, provider_id: str, key: str) -> None:
        raise AssertionError("the key store was written")

    def delete(self, provider_id: str) -> bool:
        raise AssertionError("the key store was written")


def test_the_order_is_explicit_then_environment_then_key_store(
    test_registry: Registry, wire_openai: str, key_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = FileKeyStore(key_file)
    assert runtime.locate_api_key("wire-openai", registry=test_registry, key_store=store) is None
    store.set("wire-openai", KEY)
    found = runtime.locate_api_key("wire-openai", registry=test_registry, key_store=store)
    assert found == runtime.FoundKey(KEY, "key store", store.location)
    assert KEY not in repr(found)
    monkeypatch.setenv(wire_openai, "from-env-0123456789")
    found = runtime.locate_api_key("wire-openai", registry=test_registry, key_store=store)
    assert found == runtime.FoundKey("from-env-0123456789", "environment", wire_openai)
    found = runtime.locate_api_key(
        "wire-openai", {"wire-openai": "explicit"}, registry=test_registry, key_store=store
    )
    assert found == runtime.FoundKey("explicit", "explicit", "api_keys")
    # With a key in the environment the store is never asked.
    assert (
        runtime.resolve_api_key("wire-openai", registry=test_registry, key_store=_UnreadableStore())
        == "from-env-0123456789"
    )


def test_the_default_key_store_serves_resolution_and_can_proceed(
    test_registry: Registry, wire_openai: str, llm_server: LoopbackServer
) -> None:
    assert not runtime.can_proceed("wire-openai", registry=test_registry).ok
    default_key_store().set("wire-openai", KEY)
    assert runtime.resolve_api_key("wire-openai", registry=test_registry) == KEY
    assert runtime.can_proceed("wire-openai", registry=test_registry).ok
    provider = runtime.create_provider(
        "wire-openai", registry=test_registry, base_url=llm_server.base_url("ok", "openai")
    )
    asyncio.run(runtime.collect(provider.stream("plain-model", [runtime.UserMessage("hi")])))
    assert llm_server.requests[-1].headers["authorization"] == f"Bearer {KEY}"
    # A keyless provider never asks.
    assert runtime.locate_api_key("wire-local", registry=test_registry) is None


def test_a_bad_key_in_the_store_is_refused_naming_the_store_not_the_key(
    test_registry: Registry, wire_openai: str, key_file: Path
) -> None:
    key_file.parent.mkdir(parents=True)
    document = {"format": 1, "keys": {"wire-openai": "sk-SECRET\r\nX-Injected: 1"}}
    key_file.write_text(json.dumps(document))
    key_file.chmod(0o600)
    store = FileKeyStore(key_file)
    with pytest.raises(ConfigError) as caught:
        runtime.resolve_api_key("wire-openai", registry=test_registry, key_store=store)
    assert str(key_file) in caught.value.message and "SECRET" not in caught.value.message
    check = runtime.can_proceed("wire-openai", registry=test_registry, key_store=store)
    assert not check.ok and check.message is not None and "SECRET" not in check.message


def test_a_blank_key_in_the_store_counts_as_missing(
    test_registry: Registry, wire_openai: str
) -> None:
    backend = MemoryKeyring()
    backend.set_password("llm-registry", "wire-openai", "  \n")
    store = KeyringKeyStore(backend=backend)
    assert runtime.locate_api_key("wire-openai", registry=test_registry, key_store=store) is None


def test_the_missing_key_message_names_the_places_to_put_it(
    test_registry: Registry, wire_openai: str
) -> None:
    message = runtime.can_proceed("wire-openai", registry=test_registry).message
    assert message is not None
    for place in ("llm-registry serve", "llm-registry keys set wire-openai", wire_openai):
        assert place in message


@pytest.mark.parametrize(
    ("key", "masked"),
    [
        ("sk-abcdefgh1234", "\u2022\u2022\u2022\u20221234"),
        ("abcdefghwxyz", "\u2022\u2022\u2022\u2022wxyz"),
        ("abcdefghxyz", "\u2022\u2022\u2022\u2022"),
        ("", "\u2022\u2022\u2022\u2022"),
    ],
)
def test_mask_key_shows_the_last_four_of_a_long_key_only(key: str, masked: str) -> None:
    assert runtime.mask_key(key) == masked


def test_importing_the_runtime_or_resolving_from_the_environment_loads_no_keyring(
    compiled_registry: CompiledRegistry,
) -> None:
    code = (
        "import sys, os\n"
        "from llm_registry import runtime\n"
        "loaded = {m for m in ('keyring', 'platformdirs') if m in sys.modules}\n"
        f"registry = runtime.load_registry({compiled_registry.package!r})\n"
        "os.environ['WIRE_OPENAI_API_KEY'] = 'sk-env-0123456789'\n"
        "assert runtime.resolve_api_key('wire-openai', registry=registry)\n"
        "runtime.create_provider('wire-openai', registry=registry)\n"
        "print(sorted(loaded), 'keyring' in sys.modules)\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(PROJECT_ROOT), str(compiled_registry.import_root)]),
    }
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["[]", "False"]
