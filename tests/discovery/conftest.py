from __future__ import annotations

import asyncio
import dataclasses
import os
import sqlite3
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar, cast

import pytest

from llm_registry.runtime._descriptor import ProviderDescriptor
from llm_registry.runtime._registry import Registry, get_provider, load_registry, providers
from llm_registry.runtime._store.store import ModelStore
from tests.fixture_registry import TEST_REGISTRY_PACKAGE
from tests.loopback import LoopbackServer

T = TypeVar("T")
D = TypeVar("D", bound=ProviderDescriptor)

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# A model database as the store wrote it before layout versions (see the file's header).
BEFORE_VERSIONS = Path(__file__).parent / "fixtures" / "store_before_versioning.sql"

# A key shaped like a real one; every test that sends it checks it never comes back out.
KEY = "sk-discovery-test-7f3a9c2e5b8d41f0a6c3"

# A second loopback address: another host as far as URLs and origins are concerned.
OTHER_HOST = "127.0.0.2"

# Short deadlines keep the hostile cases fast; the guard only prevents a hang.
SHORT_TIMEOUT = 0.5
HANG_GUARD = 20.0


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Drive async code from a test, with a guard so that a broken deadline fails, not hangs."""

    async def guarded() -> T:
        return await asyncio.wait_for(coroutine, HANG_GUARD)

    return asyncio.run(guarded())


def with_base_url(descriptor: D, base_url: str) -> D:
    """The descriptor with another base URL (generated descriptors are frozen dataclasses)."""
    return cast(D, dataclasses.replace(cast(Any, descriptor), base_url=base_url))


def registry_provider(provider_id: str) -> ProviderDescriptor:
    """A provider of the test registry (tests/registry/, compiled by the session fixture)."""
    return get_provider(provider_id, registry=load_registry(TEST_REGISTRY_PACKAGE))


def at(provider_id: str, base_url: str, *, registry: Registry | None = None) -> ProviderDescriptor:
    """The provider of ``registry`` (default: the test registry) with ``base_url`` as its own:
    its listings there are the provider's, so they update its rows (a ``base_url=`` override
    is only cached)."""
    registry = registry or load_registry(TEST_REGISTRY_PACKAGE)
    return with_base_url(get_provider(provider_id, registry=registry), base_url)


def registry_key_variables() -> list[str]:
    """Every key variable of the test registry and of the curated one."""
    registries = [load_registry(TEST_REGISTRY_PACKAGE), None]
    return [
        p.api_key.env for r in registries for p in providers(registry=r) if p.api_key is not None
    ]


@pytest.fixture(autouse=True)
def no_keys_from_the_environment(test_registry: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keys come only from what each test passes: none from the developer's environment."""
    for name in registry_key_variables():
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as listing_server:
        yield listing_server


@pytest.fixture
def other_host() -> Iterator[LoopbackServer]:
    with LoopbackServer(OTHER_HOST) as listing_server:
        yield listing_server


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "models.db"


@pytest.fixture
def store(db_path: Path, test_registry: Registry) -> ModelStore:
    """A model database of the test registry."""
    return ModelStore(db_path, registry=test_registry)


def database_bytes(db_path: Path) -> bytes:
    """The database file and its WAL and shared-memory files: everything SQLite wrote."""
    data = b""
    for suffix in ("", "-wal", "-shm", "-journal"):
        path = Path(str(db_path) + suffix)
        if path.exists():
            data += path.read_bytes()
    return data


def scrubbed_environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in set(registry_key_variables())}
    env.update(extra)
    return env


def database_from_before_versions(db_path: Path) -> Path:
    """A real file with what the store wrote before it recorded its layout version."""
    with sqlite3.connect(db_path) as conn:
        conn.executescript(BEFORE_VERSIONS.read_text(encoding="utf-8"))
    return db_path
