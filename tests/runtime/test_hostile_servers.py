"""What a hostile server cannot do to a reply: expand a compression bomb in memory, hold the
client with a header drip or an endless reply, slip bytes that are not UTF-8 through one wire
format and not another, or get a key printed by echoing it in the reply."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

from llm_registry import runtime
from llm_registry.runtime import ProviderError, Registry, UserMessage
from tests.fixture_registry import TEST_REGISTRY_PACKAGE, CompiledRegistry
from tests.loopback import Handler, LoopbackServer, Recorded
from tests.loopback.hostile import ECHO_PREFIX, gzip_bomb, many_values_json, send_gzip_bomb
from tests.loopback.responders import raw_body
from tests.runtime.conftest import TEST_KEY, make_descriptor

T = TypeVar("T")
FORMATS = ("openai", "anthropic", "gemini")
# Deadlines in these tests are short; a loaded machine may add a few seconds to any of them.
SLACK = 4.0


def _failure(
    server: LoopbackServer, wire_format: str, scenario: str, **options: float
) -> tuple[ProviderError, str, float]:
    """(the error that ended the reply, the text received before it, seconds it took)."""
    provider = runtime.create_provider(
        make_descriptor(wire_format),
        api_key=TEST_KEY,
        base_url=server.base_url(scenario, wire_format),  # type: ignore[arg-type]
        **options,  # type: ignore[arg-type]
    )
    text: list[str] = []

    async def read() -> None:
        async for event in provider.stream("plain-model", [UserMessage("Hi")]):
            if isinstance(event, runtime.TextDelta):
                text.append(event.text)

    started = time.monotonic()
    with pytest.raises(ProviderError) as caught:
        asyncio.run(read())
    return caught.value, "".join(text), time.monotonic() - started


def _traced(work: Callable[[], T]) -> tuple[T, int]:
    """What ``work`` returns, and the peak of the memory Python allocated while it ran."""
    tracemalloc.start()
    try:
        result = work()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("wire_format", FORMATS)
def test_a_compressed_reply_is_refused_unread(llm_server: LoopbackServer, wire_format: str) -> None:
    gzip_bomb()  # made (64 MiB of zeros, compressed) before memory is traced
    (error, text, _), peak = _traced(
        lambda: _failure(llm_server, wire_format, "gzip-stream", timeout=10)
    )
    assert error.kind == "unavailable"
    assert "gzip-compressed" in str(error) and text == ""
    assert peak < 48 * 1024 * 1024, peak  # expanded, the bomb alone would be 64 MiB
    [request] = llm_server.requests
    assert request.headers["accept-encoding"] == "identity"


@pytest.mark.parametrize("wire_format", FORMATS)
def test_a_compressed_error_body_is_reported_by_its_status(
    llm_server: LoopbackServer, wire_format: str
) -> None:
    gzip_bomb()
    (error, _, _), peak = _traced(
        lambda: _failure(llm_server, wire_format, "gzip-error", timeout=10)
    )
    assert error.status_code == 400 or "gzip-compressed" in str(error), error
    assert "\x00" not in str(error)
    assert peak < 48 * 1024 * 1024, peak


@pytest.mark.parametrize("wire_format", FORMATS)
def test_a_huge_error_body_is_read_no_further_than_its_start(
    llm_server: LoopbackServer, wire_format: str
) -> None:
    (error, _, _), peak = _traced(
        lambda: _failure(llm_server, wire_format, "huge-error", timeout=30)
    )
    assert error.kind == "unavailable" and error.status_code == 500, error
    assert "very bad day" in str(error) and len(str(error)) < 1000
    assert peak < 48 * 1024 * 1024, peak  # the body is 512 MiB


@pytest.mark.parametrize("wire_format", FORMATS)
def test_an_event_of_millions_of_values_is_refused_before_it_is_parsed(
    llm_server: LoopbackServer, wire_format: str
) -> None:
    many_values_json()  # built before memory is traced
    (error, _, _), peak = _traced(
        lambda: _failure(llm_server, wire_format, "many-values", timeout=30)
    )
    assert error.kind == "unavailable" and "JSON values" in str(error), error
    assert peak < 48 * 1024 * 1024, peak  # parsed, the event would take hundreds of MB


@pytest.mark.parametrize("wire_format", FORMATS)
def test_the_timeout_bounds_a_header_drip(llm_server: LoopbackServer, wire_format: str) -> None:
    error, _, elapsed = _failure(llm_server, wire_format, "header-drip", timeout=1)
    assert error.kind == "unavailable" and "no reply within 1s" in str(error), error
    assert elapsed < 1 + SLACK, elapsed


@pytest.mark.parametrize("wire_format", FORMATS)
def test_max_time_bounds_a_reply_that_never_ends(
    llm_server: LoopbackServer, wire_format: str
) -> None:
    error, text, elapsed = _failure(llm_server, wire_format, "endless", timeout=5, max_time=1)
    assert "still coming after 1s" in str(error), error
    assert text.startswith("more more ")  # it was streaming steadily: no idle deadline applied
    assert elapsed < 1 + SLACK, elapsed


@pytest.mark.parametrize("wire_format", FORMATS)
def test_bytes_that_are_not_utf8_end_a_reply_alike_on_every_format(
    llm_server: LoopbackServer, wire_format: str
) -> None:
    error, text, _ = _failure(llm_server, wire_format, "not-utf8", timeout=10)
    assert error.kind == "unavailable" and "not valid UTF-8" in str(error), error
    assert "\ufffd" not in text


def test_chat_never_prints_a_key_the_reply_echoes(
    llm_server: LoopbackServer, compiled_registry: CompiledRegistry, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env["WIRE_OPENAI_API_KEY"] = TEST_KEY
    env["PYTHONPATH"] = str(compiled_registry.import_root)
    chat = ["chat", "wire-openai::plain-model", "hi", "--package", TEST_REGISTRY_PACKAGE]
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "llm_registry.runtime",
            *chat,
            "--base-url",
            llm_server.base_url("echo-key", "openai"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    # The server did echo it, split across two events.
    assert llm_server.requests[-1].headers["authorization"] == f"Bearer {TEST_KEY}"
    assert result.stdout == f"{ECHO_PREFIX}[REDACTED].\n"
    assert TEST_KEY[:6] not in result.stdout + result.stderr


def _discovered(
    server: LoopbackServer, registry: Registry, tmp_path: Path, root: str, timeout: float
) -> runtime.DiscoveryResult:
    """wire-openai's listing at ``root`` on the loopback server, into a fresh database."""
    store = runtime.ModelStore(tmp_path / "models.db", registry=registry)
    return asyncio.run(
        runtime.discover_models(
            "wire-openai",
            registry=registry,
            api_keys={"wire-openai": TEST_KEY},
            base_url=f"{server.origin}{root}",
            store=store,
            timeout=timeout,
        )
    )


def _compressed_listing(handler: Handler, recorded: Recorded) -> None:
    send_gzip_bomb(handler, 200, "application/json")


def test_a_compressed_listing_is_refused_unread(
    llm_server: LoopbackServer, test_registry: Registry, tmp_path: Path
) -> None:
    llm_server.route("/listing/v1/models", _compressed_listing)
    result = _discovered(llm_server, test_registry, tmp_path, "/listing/v1", 10)
    assert result.source == "fallback"
    assert result.error is not None and "gzip-compressed" in result.error.message
    assert llm_server.requests[-1].headers["accept-encoding"] == "identity"


def test_a_listing_of_millions_of_values_is_refused_before_it_is_parsed(
    llm_server: LoopbackServer, test_registry: Registry, tmp_path: Path
) -> None:
    listing = b'{"data": ' + many_values_json() + b"}"  # 4.5 MB, under the size cap
    llm_server.route("/many/v1/models", raw_body(listing, content_type="application/json"))
    result, peak = _traced(lambda: _discovered(llm_server, test_registry, tmp_path, "/many/v1", 20))
    assert result.source == "fallback"
    assert result.error is not None and "JSON values" in result.error.message
    assert peak < 64 * 1024 * 1024, peak
