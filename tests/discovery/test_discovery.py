"""discover_models against real loopback servers: every dialect, pagination, the merge with the
registry, and the order fresh cache → request → stale cache → registry defaults."""

from __future__ import annotations

import pytest

from llm_registry.runtime import MissingApiKeyError
from llm_registry.runtime._discovery.merge import registry_models
from llm_registry.runtime._discovery.service import discover_models
from llm_registry.runtime._store.store import ModelInfo, ModelStore
from tests.discovery.conftest import KEY, at, registry_provider, run
from tests.discovery.listings import (
    anthropic_page,
    google_model,
    ollama_model,
    openai_listing,
    openrouter_model,
)
from tests.loopback import LoopbackServer
from tests.loopback.responders import json_body, paged, sequence


def by_id(result_models: tuple[ModelInfo, ...]) -> dict[str, ModelInfo]:
    return {m.id: m for m in result_models}


def test_openai_dialect_lists_merges_and_stores(server: LoopbackServer, store: ModelStore) -> None:
    server.route(
        "/v1/models",
        json_body(openai_listing(["plain-model", "gpt-brand-new", "text-embedding-3-small"])),
    )

    result = run(
        discover_models(
            at("wire-openai", f"{server.origin}/v1"), api_keys={"wire-openai": KEY}, store=store
        )
    )

    assert result.source == "api" and result.error is None
    assert [m.id for m in result.models] == [
        "wire-openai::plain-model",
        "wire-openai::gpt-brand-new",
    ]
    (request,) = server.requests
    assert request.path == "/v1/models"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    known, new = result.models
    # The registry knows plain-model: its metadata wins.
    registry = {m.model_id: m for m in registry_models(registry_provider("wire-openai"))}[
        "plain-model"
    ]
    assert (known.display_name, known.context_window) == (
        registry.display_name,
        registry.context_window,
    )
    assert known.in_registry
    # A new id gets sensible defaults.
    assert (new.display_name, new.attachments, new.in_registry) == (
        "gpt-brand-new",
        ("text", "webpage"),
        False,
    )
    stored = {m.id: m for m in store.models("wire-openai")}
    assert stored["wire-openai::gpt-brand-new"].is_enabled
    # Registry models the provider no longer lists are disabled, not deleted.
    assert not stored["wire-openai::effort-model"].is_enabled


def test_anthropic_dialect_follows_pages(server: LoopbackServer, store: ModelStore) -> None:
    pages = {
        None: anthropic_page(
            [("budget-model", "Budget"), ("claude-new-1", "Claude New One")],
            has_more=True,
        ),
        "claude-new-1": anthropic_page([("claude-new-2", "Claude New Two")], has_more=True),
        "claude-new-2": anthropic_page([("claude-new-3", "Claude New Three")], has_more=False),
    }
    server.route("/v1/models", paged(pages, "after_id"))

    result = run(
        discover_models(
            "wire-anthropic",
            base_url=f"{server.origin}/v1",
            api_keys={"wire-anthropic": KEY},
            store=store,
        )
    )

    assert result.source == "api", result.error
    assert [m.model_id for m in result.models] == [
        "budget-model",
        "claude-new-1",
        "claude-new-2",
        "claude-new-3",
    ]
    assert by_id(result.models)["wire-anthropic::claude-new-2"].display_name == "Claude New Two"
    assert [r.query.get("after_id") for r in server.requests] == [
        None,
        "claude-new-1",
        "claude-new-2",
    ]
    for request in server.requests:
        assert request.headers["x-api-key"] == KEY
        assert request.headers["anthropic-version"] == "2023-06-01"
        assert "authorization" not in request.headers


def test_google_dialect_pages_filters_and_strips_prefix(
    server: LoopbackServer, store: ModelStore
) -> None:
    pages = {
        None: {
            "models": [
                google_model("gemini-2.5-pro", "Gemini 2.5 Pro"),
                google_model("gemini-embedding-001", "Gemini Embedding", methods=["embedContent"]),
            ],
            "nextPageToken": "tok-2",
        },
        "tok-2": {
            "models": [
                google_model("gemini-next", "Gemini Next", input_limit=2_000_000, thinking=True)
            ]
        },
    }
    server.route("/v1beta/models", paged(pages, "pageToken"))

    result = run(
        discover_models(
            "wire-gemini",
            base_url=f"{server.origin}/v1beta",
            api_keys={"wire-gemini": KEY},
            store=store,
        )
    )

    assert result.source == "api", result.error
    assert [m.model_id for m in result.models] == ["gemini-2.5-pro", "gemini-next"]
    new = by_id(result.models)["wire-gemini::gemini-next"]
    assert (new.display_name, new.context_window, new.supports_reasoning) == (
        "Gemini Next",
        2_000_000,
        True,
    )
    for request in server.requests:
        assert request.headers["x-goog-api-key"] == KEY
        assert KEY not in str(request.query)
    assert server.requests[1].query["pageToken"] == "tok-2"


def test_ollama_dialect_uses_the_servers_origin_without_a_key(
    server: LoopbackServer, store: ModelStore
) -> None:
    server.route(
        "/api/tags",
        json_body(
            {
                "models": [
                    ollama_model("gemma3:4b", families=["gemma3"]),
                    ollama_model("llava:7b", families=["llama", "clip"]),
                ]
            }
        ),
    )

    result = run(discover_models("wire-local", base_url=f"{server.origin}/v1", store=store))

    assert result.source == "api", result.error
    (request,) = server.requests
    assert request.path == "/api/tags"
    assert "authorization" not in request.headers
    llava = by_id(result.models)["wire-local::llava:7b"]
    assert "image" in llava.attachments


@pytest.mark.parametrize("status", [401, 403])
def test_a_keyless_server_refusing_the_request_is_not_blamed_on_a_key(
    server: LoopbackServer, store: ModelStore, status: int
) -> None:
    # Ollama sends no key: a 401 there comes from a proxy or a server set up to want one.
    server.route("/api/tags", json_body({"error": "unauthorized"}, status=status))
    result = run(discover_models("wire-local", base_url=f"{server.origin}/v1", store=store))
    assert result.source == "fallback" and result.error is not None
    assert result.error.kind == "auth" and result.error.status_code == status
    message = result.error.message
    assert "refused the request" in message and f"HTTP {status}" in message
    assert "key" not in message.lower()


def test_openrouter_dialect_reads_the_rich_listing(
    server: LoopbackServer, store: ModelStore
) -> None:
    server.route(
        "/api/v1/models",
        json_body(
            {
                "data": [
                    openrouter_model("vendor-a/model-one", "Vendor A: Model One (listing name)"),
                    openrouter_model(
                        "acme/vision-1",
                        "Acme: Vision 1",
                        context_length=262_144,
                        prompt="0.000001",
                        completion="0.000004",
                        input_modalities=["text", "image"],
                        parameters=["tools", "reasoning"],
                    ),
                ]
            }
        ),
    )

    result = run(
        discover_models(
            at("wire-aggregator", f"{server.origin}/api/v1"),
            api_keys={"wire-aggregator": KEY},
            store=store,
        )
    )

    assert result.source == "api", result.error
    models = by_id(result.models)
    one = models["wire-aggregator::vendor-a/model-one"]
    assert one.display_name != "Vendor A: Model One (listing name)"
    assert one.in_registry
    vision = models["wire-aggregator::acme/vision-1"]
    assert vision.context_window == 262_144
    assert vision.prompt_price_per_token == pytest.approx(1e-6)
    assert vision.completion_price_per_token == pytest.approx(4e-6)
    assert "image" in vision.attachments
    assert vision.supports_tools and vision.supports_reasoning
    stored = {m.id: m for m in store.models("wire-aggregator")}["wire-aggregator::acme/vision-1"]
    assert stored.prompt_price_per_token == pytest.approx(1e-6)


def test_fresh_cache_answers_without_a_request_unless_refresh(
    server: LoopbackServer, store: ModelStore
) -> None:
    server.route("/v1/models", json_body(openai_listing(["plain-model"])))
    base_url = f"{server.origin}/v1"
    keys = {"wire-openai": KEY}

    first = run(discover_models("wire-openai", base_url=base_url, api_keys=keys, store=store))
    second = run(discover_models("wire-openai", base_url=base_url, api_keys=keys, store=store))
    assert (first.source, second.source) == ("api", "cache")
    assert second.error is None
    assert [m.id for m in second.models] == [m.id for m in first.models]
    assert len(server.requests) == 1

    third = run(
        discover_models("wire-openai", base_url=base_url, api_keys=keys, store=store, refresh=True)
    )
    assert third.source == "api"
    assert len(server.requests) == 2

    # An expired entry is not fresh.
    fourth = run(
        discover_models("wire-openai", base_url=base_url, api_keys=keys, store=store, cache_ttl=0)
    )
    assert fourth.source == "api"
    assert len(server.requests) == 3


def test_cache_is_per_base_url(server: LoopbackServer, store: ModelStore) -> None:
    server.route("/a/models", json_body(openai_listing(["model-a"])))
    server.route("/b/models", json_body(openai_listing(["model-b"])))
    keys = {"wire-openai": KEY}
    run(discover_models("wire-openai", base_url=f"{server.origin}/a", api_keys=keys, store=store))
    run(discover_models("wire-openai", base_url=f"{server.origin}/b", api_keys=keys, store=store))

    a = run(
        discover_models("wire-openai", base_url=f"{server.origin}/a", api_keys=keys, store=store)
    )
    assert a.source == "cache"
    assert [m.model_id for m in a.models] == ["model-a"]


def test_failed_refresh_falls_back_to_the_stale_cache(
    server: LoopbackServer, store: ModelStore
) -> None:
    server.route(
        "/v1/models",
        sequence(
            json_body(openai_listing(["plain-model", "gpt-from-the-first-listing"])),
            json_body({"error": {"message": "overloaded"}}, status=503),
        ),
    )
    base_url = f"{server.origin}/v1"
    run(
        discover_models(
            "wire-openai", base_url=base_url, api_keys={"wire-openai": KEY}, store=store
        )
    )

    result = run(
        discover_models(
            "wire-openai",
            base_url=base_url,
            api_keys={"wire-openai": KEY},
            store=store,
            refresh=True,
        )
    )

    assert result.source == "cache"
    assert result.error is not None and result.error.kind == "unavailable"
    assert "503" in result.error.message
    assert "wire-openai::gpt-from-the-first-listing" in [m.id for m in result.models]
    assert result.fetched_at is not None


def test_no_cache_and_no_server_gives_the_registry_defaults(store: ModelStore) -> None:
    result = run(
        discover_models(
            "wire-openai",
            base_url="http://127.0.0.1:9/v1",
            api_keys={"wire-openai": KEY},
            store=store,
            timeout=2,
        )
    )
    assert result.source == "fallback"
    assert result.error is not None and result.error.kind == "unavailable"
    assert [m.id for m in result.models] == [
        m.id for m in registry_models(registry_provider("wire-openai"))
    ]


def test_missing_key_sends_nothing_and_falls_back(
    server: LoopbackServer, store: ModelStore
) -> None:
    server.route("/v1/models", json_body(openai_listing(["plain-model"])))
    result = run(discover_models("wire-openai", base_url=f"{server.origin}/v1", store=store))
    assert result.source == "fallback"
    assert isinstance(result.error, MissingApiKeyError)
    assert "WIRE_OPENAI_API_KEY" in result.error.message
    assert server.requests == []


def test_key_from_the_environment(
    server: LoopbackServer, store: ModelStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.route("/v1/models", json_body(openai_listing(["plain-model"])))
    monkeypatch.setenv("WIRE_OPENAI_API_KEY", KEY)
    result = run(discover_models("wire-openai", base_url=f"{server.origin}/v1", store=store))
    assert result.source == "api"
    assert server.requests[0].headers["authorization"] == f"Bearer {KEY}"


def test_provider_without_discovery_offers_its_registry_models(
    server: LoopbackServer, store: ModelStore
) -> None:
    result = run(discover_models("wire-custom", base_url=f"{server.origin}/v1", store=store))
    assert result.source == "fallback" and result.error is None
    assert [m.model_id for m in result.models] == [
        m.id for m in registry_provider("wire-custom").default_models
    ]
    assert server.requests == []


def test_results_carry_the_users_choices(server: LoopbackServer, store: ModelStore) -> None:
    server.route("/v1/models", json_body(openai_listing(["plain-model", "effort-model"])))
    assert store.set_hidden("wire-openai::effort-model", True)
    result = run(
        discover_models(
            "wire-openai",
            base_url=f"{server.origin}/v1",
            api_keys={"wire-openai": KEY},
            store=store,
        )
    )
    hidden = {m.id: m.is_hidden for m in result.models}
    assert hidden == {"wire-openai::plain-model": False, "wire-openai::effort-model": True}


def test_the_clis_json_object(server: LoopbackServer, store: ModelStore) -> None:
    from llm_registry.runtime._cli.models import result_json

    server.route("/v1/models", json_body(openai_listing(["plain-model"])))
    result = run(
        discover_models(
            "wire-openai",
            base_url=f"{server.origin}/v1",
            api_keys={"wire-openai": KEY},
            store=store,
        )
    )
    # Formatting for the command line lives with the command line, not in discovery.
    assert not hasattr(result, "to_json")
    data = result_json(result)
    assert set(data) == {"provider", "source", "error", "refused", "models"}
    assert data["refused"] == 0
    assert data["provider"] == "wire-openai" and data["source"] == "api" and data["error"] is None
    models = data["models"]
    assert isinstance(models, list) and len(models) == 1
    assert models[0]["id"] == "wire-openai::plain-model"
    assert isinstance(models[0]["attachments"], list)


@pytest.mark.parametrize(
    ("provider", "root"),
    [("wire-openai", "/v1"), ("wire-anthropic", "/v1"), ("wire-gemini", "/v1beta")],
)
def test_a_key_no_header_can_carry_falls_back_with_a_config_error(
    server: LoopbackServer, store: ModelStore, provider: str, root: str
) -> None:
    bad_key = "sk-part1\nsk-part2"
    result = run(
        discover_models(
            provider, base_url=f"{server.origin}{root}", api_keys={provider: bad_key}, store=store
        )
    )
    assert result.source == "fallback"
    assert result.error is not None and result.error.kind == "config"
    assert not isinstance(result.error, MissingApiKeyError)
    assert "sk-part" not in result.error.message and "sk-part" not in repr(result)
    assert server.requests == []


def test_refresh_all_reports_an_unusable_key_rather_than_skipping_the_provider(
    server: LoopbackServer, store: ModelStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    from llm_registry.runtime._discovery.refresh import refresh_all, refreshable_providers

    monkeypatch.setenv("WIRE_OPENAI_API_KEY", "sk-part1\nsk-part2")
    ready, missing = refreshable_providers(registry=store.registry)
    assert "wire-openai" in {p.id for p in ready}
    assert "wire-openai" not in {p.id for p in missing}
    (result,) = run(
        refresh_all(providers=[at("wire-openai", f"{server.origin}/v1")], store=store, timeout=2)
    )
    assert result.source == "fallback"
    assert result.error is not None and result.error.kind == "config"
    assert "WIRE_OPENAI_API_KEY" in result.error.message
    assert "sk-part" not in result.error.message
    assert server.requests == []


def test_a_base_url_override_is_cached_apart_and_leaves_the_providers_rows_alone(
    server: LoopbackServer, store: ModelStore
) -> None:
    before = {m.id: m for m in store.models("wire-openai")}
    assert before and all(m.is_enabled for m in before.values())
    assert store.set_hidden("wire-openai::plain-model", True)
    server.route("/v1/models", json_body(openai_listing(["plain-model", "m1"])))
    base_url = f"{server.origin}/v1"

    result = run(
        discover_models(
            "wire-openai", base_url=base_url, api_keys={"wire-openai": KEY}, store=store
        )
    )

    assert result.source == "api", result.error
    assert [m.id for m in result.models] == ["wire-openai::plain-model", "wire-openai::m1"]
    assert result.models[0].is_hidden  # the user's choice still shows
    after = {m.id: m for m in store.models("wire-openai")}
    assert set(after) == set(before), "a listing from another URL added rows"
    assert all(m.is_enabled for m in after.values()), "a listing from another URL disabled rows"
    # Cached under that URL: asked again, the cache answers.
    again = run(
        discover_models(
            "wire-openai", base_url=base_url, api_keys={"wire-openai": KEY}, store=store
        )
    )
    assert again.source == "cache"
    assert [m.id for m in again.models] == ["wire-openai::plain-model", "wire-openai::m1"]
    assert len(server.requests) == 1
