"""refresh_all: concurrent, each provider under its own deadline; and the periodic helper."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from pathlib import Path

from llm_registry.runtime import ProviderError, Registry
from llm_registry.runtime._discovery.refresh import (
    refresh_all,
    refresh_periodically,
    refreshable_providers,
)
from llm_registry.runtime._discovery.service import DiscoveryResult
from llm_registry.runtime._store.store import ModelStore, ModelStoreError
from tests.discovery.conftest import KEY, SHORT_TIMEOUT, at, registry_provider, run
from tests.discovery.listings import anthropic_page, ollama_model, openai_listing, openrouter_model
from tests.loopback import Handler, LoopbackServer, Recorded, Responder
from tests.loopback.responders import json_body, stall


def after_barrier(barrier: threading.Barrier, payload: object) -> Responder:
    """Answer only once every provider's request has arrived: a sequential refresh would break
    the barrier (its requests arrive one at a time) and every provider would time out."""

    def respond(handler: Handler, _: Recorded) -> None:
        barrier.wait()
        handler.send_json(payload)

    return respond


def test_providers_are_refreshed_concurrently(server: LoopbackServer, store: ModelStore) -> None:
    barrier = threading.Barrier(3, timeout=5)
    server.route("/openai/models", after_barrier(barrier, openai_listing(["plain-model"])))
    server.route(
        "/anthropic/models",
        after_barrier(barrier, anthropic_page([("budget-model", "Budget")], has_more=False)),
    )
    server.route("/api/tags", after_barrier(barrier, {"models": [ollama_model("gemma3:4b")]}))

    results = run(
        refresh_all(
            providers=[
                at("wire-openai", f"{server.origin}/openai"),
                at("wire-anthropic", f"{server.origin}/anthropic"),
                at("wire-local", f"{server.origin}/v1"),
            ],
            api_keys={"wire-openai": KEY, "wire-anthropic": KEY},
            store=store,
            timeout=3,
        )
    )

    assert [(r.provider_id, r.source, r.error) for r in results] == [
        ("wire-openai", "api", None),
        ("wire-anthropic", "api", None),
        ("wire-local", "api", None),
    ]


def test_a_stuck_provider_costs_only_its_own_deadline(
    server: LoopbackServer, store: ModelStore
) -> None:
    server.route("/stuck/models", stall(60))
    server.route("/fine/models", json_body({"data": [openrouter_model("vendor-a/one", "One")]}))
    server.route("/api/tags", json_body({"models": [ollama_model("gemma3:4b")]}))
    finished: list[DiscoveryResult] = []

    results = run(
        refresh_all(
            providers=[
                at("wire-openai", f"{server.origin}/stuck"),
                at("wire-aggregator", f"{server.origin}/fine"),
                at("wire-local", f"{server.origin}/v1"),
            ],
            api_keys={"wire-openai": KEY, "wire-aggregator": KEY},
            store=store,
            timeout=SHORT_TIMEOUT,
            on_result=finished.append,
        )
    )

    by_provider = {r.provider_id: r for r in results}
    assert by_provider["wire-openai"].source == "fallback"
    assert (
        by_provider["wire-openai"].error is not None
        and by_provider["wire-openai"].error.kind == "unavailable"
    )
    assert by_provider["wire-aggregator"].source == "api"
    assert by_provider["wire-local"].source == "api"
    # Progress arrives as each finishes: the stuck one last.
    assert [r.provider_id for r in finished][-1] == "wire-openai"
    assert len(finished) == 3


def test_refreshable_providers_are_those_with_a_key_or_none_needed(
    test_registry: Registry,
) -> None:
    ready, missing = refreshable_providers({"wire-openai": KEY}, registry=test_registry)
    ready_ids = {p.id for p in ready}
    missing_ids = {p.id for p in missing}
    assert ready_ids == {"wire-openai", "wire-local"}  # a key given, or none needed
    assert missing_ids == {"wire-anthropic", "wire-gemini", "wire-aggregator", "wire-templated"}
    # Providers without live discovery are in neither list.
    assert "wire-custom" not in ready_ids | missing_ids


def test_periodic_refresh_repeats_until_cancelled(
    server: LoopbackServer, store: ModelStore
) -> None:
    server.route("/api/tags", json_body({"models": [ollama_model("gemma3:4b")]}))
    rounds: list[list[DiscoveryResult]] = []

    async def scenario() -> None:
        task = asyncio.create_task(
            refresh_periodically(
                0.01,
                providers=[at("wire-local", f"{server.origin}/v1")],
                store=store,
                timeout=SHORT_TIMEOUT,
                on_results=rounds.append,
            )
        )
        while len(rounds) < 3:
            await asyncio.sleep(0.01)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    run(scenario())
    assert len(rounds) >= 3
    assert all(r[0].source == "api" for r in rounds)
    assert len(server.requests) >= 3


def test_periodic_refresh_survives_a_failing_round(tmp_path: Path) -> None:
    (tmp_path / "not-a-database").mkdir()
    errors: list[ProviderError] = []

    async def scenario() -> None:
        task = asyncio.create_task(
            refresh_periodically(
                0.01,
                providers=[registry_provider("wire-custom")],
                store=tmp_path / "not-a-database",
                on_error=errors.append,
            )
        )
        while len(errors) < 2:
            await asyncio.sleep(0.01)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    run(scenario())
    assert len(errors) >= 2
    assert all(isinstance(e, ModelStoreError) for e in errors)
