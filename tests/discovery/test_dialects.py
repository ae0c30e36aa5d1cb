"""The listing shapes, parsed without a network: envelopes, entries, cursors, requests."""

from __future__ import annotations

import pytest

from llm_registry.runtime._discovery.dialects import (
    ListedModel,
    ListingShapeError,
    build_request,
    listing_url,
)
from llm_registry.runtime._discovery.listing_parsers import parse_page
from tests.discovery.listings import (
    anthropic_page,
    google_model,
    ollama_model,
    openai_listing,
    openrouter_model,
)

KEY = "sk-unit-test-key"


def ids(models: tuple[ListedModel, ...]) -> list[str]:
    return [m.model_id for m in models]


def test_openai_listing_keeps_chat_models_and_drops_embeddings_and_speech() -> None:
    page = parse_page(
        "openai",
        openai_listing(["gpt-5.5", "text-embedding-3-large", "whisper-1", "gpt-4o-mini-tts", "o3"]),
    )
    assert ids(page.models) == ["gpt-5.5", "o3"]
    assert page.next_cursor is None
    assert page.models[0].display_name is None  # the listing does not name its models


def test_openai_compatible_extras_and_bare_list() -> None:
    # Together answers with a bare list; Mistral says max_context_length and capabilities.
    page = parse_page(
        "openai",
        [
            {"id": "a/b", "display_name": "A B", "context_length": 32768},
            {
                "id": "pixtral",
                "max_context_length": 128000,
                "capabilities": {"vision": True, "function_calling": True},
            },
        ],
    )
    first, second = page.models
    assert (first.display_name, first.context_window) == ("A B", 32768)
    assert second.context_window == 128000
    assert second.attachments is not None and "image" in second.attachments
    assert second.supports_tools is True


def test_anthropic_pages_follow_last_id() -> None:
    page = parse_page(
        "anthropic",
        anthropic_page([("claude-a", "Claude A"), ("claude-b", "Claude B")], has_more=True),
    )
    assert ids(page.models) == ["claude-a", "claude-b"]
    assert page.next_cursor == "claude-b"
    assert page.models[0].display_name == "Claude A"
    last = parse_page("anthropic", anthropic_page([("claude-c", "Claude C")], has_more=False))
    assert last.next_cursor is None


def test_anthropic_has_more_without_last_id_is_a_shape_error() -> None:
    with pytest.raises(ListingShapeError):
        parse_page("anthropic", {"data": [], "has_more": True, "last_id": None})


def test_google_strips_prefix_keeps_generate_content_and_reads_limits() -> None:
    page = parse_page(
        "google",
        {
            "models": [
                google_model("gemini-x", "Gemini X", thinking=True),
                google_model("text-embedding-004", "Embedding", methods=["embedContent"]),
            ],
            "nextPageToken": "page-2",
        },
    )
    (model,) = page.models
    assert model.model_id == "gemini-x"
    assert (model.context_window, model.max_output_tokens) == (1_048_576, 65_536)
    assert model.supports_reasoning is True
    assert page.next_cursor == "page-2"
    # A key that sees no models gets an object without "models" at all.
    assert parse_page("google", {}).models == ()


def test_ollama_reads_names_and_vision_families() -> None:
    page = parse_page(
        "ollama",
        {
            "models": [
                ollama_model("llama3.2:3b"),
                ollama_model("llava:7b", families=["llama", "clip"]),
            ]
        },
    )
    text_only, vision = page.models
    assert text_only.model_id == "llama3.2:3b"
    assert text_only.attachments == ("text", "webpage")
    assert vision.attachments == ("text", "webpage", "image")


def test_openrouter_rich_listing() -> None:
    page = parse_page(
        "openrouter",
        {
            "data": [
                openrouter_model(
                    "vendor/vision-model",
                    "Vendor: Vision",
                    context_length=1_000_000,
                    prompt="0.0000025",
                    completion="0.00001",
                    input_modalities=["text", "image", "file"],
                    parameters=["tools", "tool_choice", "reasoning"],
                ),
                openrouter_model("openrouter/auto", "Auto Router", prompt="-1", completion="-1"),
            ]
        },
    )
    vision, auto = page.models
    assert vision.context_window == 1_000_000
    assert vision.max_output_tokens == 64_000
    assert vision.prompt_price_per_token == pytest.approx(2.5e-6)
    assert vision.completion_price_per_token == pytest.approx(1e-5)
    assert vision.attachments == ("text", "webpage", "image", "pdf")
    assert (vision.supports_tools, vision.supports_reasoning) == (True, True)
    # "-1" is OpenRouter's "variable price": unknown, not negative.
    assert auto.prompt_price_per_token is None and auto.completion_price_per_token is None
    assert (auto.supports_tools, auto.supports_reasoning) == (False, False)


@pytest.mark.parametrize(
    ("dialect", "payload"),
    [
        ("openai", {"object": "list"}),
        ("openai", "models"),
        ("anthropic", [{"id": "x"}]),
        ("google", {"models": {"name": "models/x"}}),
        ("ollama", {"data": []}),
        ("openrouter", None),
    ],
)
def test_wrong_envelopes_are_shape_errors(dialect: str, payload: object) -> None:
    with pytest.raises(ListingShapeError):
        parse_page(dialect, payload)


def test_unusable_entries_are_skipped_not_fatal() -> None:
    page = parse_page(
        "openai",
        {
            "data": [
                "just a string",
                {"id": 42},
                {"id": ""},
                {"id": "has space"},
                {"id": "provider::injection"},
                {"id": "esc\x1b[31mape"},
                {"id": "x" * 300},
                {"id": "good-model", "name": "Good\x1b[2J\nModel"},
            ]
        },
    )
    (model,) = page.models
    assert model.model_id == "good-model"
    # Terminal control sequences never reach a display name.
    assert model.display_name == "Good [2J Model"


def test_requests_put_each_key_in_its_dialects_header_only() -> None:
    openai = build_request("openai", "https://api.example/v1/", api_key=KEY)
    assert openai.url == "https://api.example/v1/models"
    assert openai.headers["authorization"] == f"Bearer {KEY}"
    assert openai.credential_headers == {"authorization"}

    anthropic = build_request("anthropic", "https://api.example/v1", api_key=KEY, cursor="c1")
    assert anthropic.headers["x-api-key"] == KEY
    assert anthropic.headers["anthropic-version"]
    assert "authorization" not in anthropic.headers
    assert anthropic.params == {"limit": "1000", "after_id": "c1"}
    assert anthropic.credential_headers == {"x-api-key"}

    google = build_request("google", "https://g.example/v1beta", api_key=KEY, cursor="t2")
    assert google.headers["x-goog-api-key"] == KEY
    assert KEY not in google.url and KEY not in google.params.values()
    assert google.params["pageToken"] == "t2"

    keyless = build_request("ollama", "http://127.0.0.1:11434/v1", api_key=None)
    assert keyless.url == "http://127.0.0.1:11434/api/tags"
    assert keyless.credential_headers == frozenset()
    assert "authorization" not in keyless.headers


def test_descriptor_headers_cannot_replace_the_credential() -> None:
    request = build_request(
        "openai",
        "https://api.example/v1",
        api_key=KEY,
        extra_headers={"Authorization": "Bearer something-else", "X-Title": "app"},
    )
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.headers["x-title"] == "app"


def test_listing_paths() -> None:
    assert listing_url("openrouter", "https://openrouter.ai/api/v1") == (
        "https://openrouter.ai/api/v1/models"
    )
    assert listing_url("openai", "https://x.example/v1", "/v1/models/list") == (
        "https://x.example/v1/v1/models/list"
    )
    assert listing_url("ollama", "http://localhost:11434/v1", "/api/tags") == (
        "http://localhost:11434/api/tags"
    )
    with pytest.raises(ValueError):
        listing_url("none", "https://x.example")
