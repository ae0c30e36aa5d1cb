"""Discovery's deadline covers its database waits: with another process holding the database
locked, `models --timeout 2` ends with an error saying the database was busy, in about two
seconds, not after the store's lock patience (a minute). The wall-clock bound is the behaviour
under test here, so it is asserted, with a margin of three seconds for a loaded machine."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from llm_registry.runtime import ModelStoreError, discover_models
from llm_registry.runtime._store.store import ModelStore
from tests.discovery.listings import openai_listing
from tests.loopback import LoopbackServer
from tests.loopback.responders import json_body
from tests.store.conftest import KEY, PROJECT_ROOT, PROVIDER, cli, populated_database, registry

TIMEOUT = 2.0
MARGIN = 3.0


@contextmanager
def locked(path: Path, mode: str) -> Iterator[None]:
    """Another process holding ``path`` locked (``exclusive`` or ``write``) for the block."""
    holder = subprocess.Popen(
        [sys.executable, "-m", "tests.store.lock_holder", str(path), mode],
        cwd=PROJECT_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        yield
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)


@pytest.fixture
def listing_server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as server:
        server.route("/v1/models", json_body(openai_listing(["gpt-5.5", "gpt-deadline"])))
        yield server


@pytest.mark.parametrize("mode", ["exclusive", "write"])
def test_models_timeout_covers_a_locked_database(
    tmp_path: Path, listing_server: LoopbackServer, mode: str
) -> None:
    db = populated_database(tmp_path / "models.db")
    # --base-url is not the provider's own: its listing is only cached (a write all the same).
    args = ("models", PROVIDER, "--refresh", "--base-url", f"{listing_server.origin}/v1")
    with locked(db, mode):
        started = time.monotonic()
        completed = cli(*args, "--db", str(db), "--timeout", f"{TIMEOUT:g}", key=True)
        elapsed = time.monotonic() - started
    assert completed.returncode == 1, completed.stdout
    assert completed.stderr.startswith("error: ")
    assert "was busy" in completed.stderr and str(db) in completed.stderr
    assert elapsed < TIMEOUT + MARGIN, f"took {elapsed:.1f} s"

    # Once the lock is gone, the same command works.
    done = cli(*args, "--db", str(db), "--timeout", f"{TIMEOUT:g}", key=True)
    assert done.returncode == 0, done.stderr
    assert "from api" in done.stdout


def test_refresh_timeout_covers_a_locked_database(tmp_path: Path) -> None:
    db = populated_database(tmp_path / "models.db")
    with locked(db, "exclusive"):
        started = time.monotonic()
        completed = cli("refresh", "--db", str(db), "--timeout", f"{TIMEOUT:g}", key=True)
        elapsed = time.monotonic() - started
    assert completed.returncode == 1
    assert "was busy" in completed.stderr
    assert elapsed < TIMEOUT + MARGIN, f"took {elapsed:.1f} s"


def test_discover_models_raises_busy_within_its_timeout(
    tmp_path: Path, listing_server: LoopbackServer
) -> None:
    db = populated_database(tmp_path / "models.db")
    store = ModelStore(db, registry=registry())
    with locked(db, "exclusive"):
        started = time.monotonic()
        with pytest.raises(ModelStoreError, match="was busy"):
            asyncio.run(
                discover_models(
                    PROVIDER,
                    registry=registry(),
                    refresh=True,
                    base_url=f"{listing_server.origin}/v1",
                    api_keys={PROVIDER: KEY},
                    store=store,
                    timeout=1.0,
                )
            )
        elapsed = time.monotonic() - started
    store.close()
    assert elapsed < 1.0 + MARGIN, f"took {elapsed:.1f} s"


def test_without_a_deadline_a_writer_waits_for_the_lock(tmp_path: Path) -> None:
    """Outside discovery the store keeps its patience: a short lock is waited out."""
    db = populated_database(tmp_path / "models.db")
    store = ModelStore(db, registry=registry())
    store.models()  # opened before the lock is taken
    holder = subprocess.Popen(
        [sys.executable, "-m", "tests.store.lock_holder", str(db), "write"],
        cwd=PROJECT_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"

    def release_soon() -> None:
        time.sleep(0.5)
        assert holder.stdin is not None
        holder.stdin.close()

    releaser = threading.Thread(target=release_soon)
    releaser.start()
    assert store.set_hidden(f"{PROVIDER}::discovered-0001", True)
    releaser.join()
    holder.wait(timeout=30)
    store.close()
