"""Model listings in each dialect's shape, as the providers' APIs send them."""

from __future__ import annotations

from collections.abc import Iterable


def openai_listing(ids: Iterable[str]) -> dict[str, object]:
    return {
        "object": "list",
        "data": [
            {"id": model_id, "object": "model", "created": 1_700_000_000, "owned_by": "system"}
            for model_id in ids
        ],
    }


def anthropic_page(models: Iterable[tuple[str, str]], *, has_more: bool) -> dict[str, object]:
    data = [
        {
            "type": "model",
            "id": model_id,
            "display_name": name,
            "created_at": "2026-01-01T00:00:00Z",
        }
        for model_id, name in models
    ]
    return {
        "data": data,
        "has_more": has_more,
        "first_id": data[0]["id"] if data else None,
        "last_id": data[-1]["id"] if data else None,
    }


def google_model(
    model_id: str,
    name: str,
    *,
    methods: Iterable[str] = ("generateContent", "countTokens"),
    input_limit: int = 1_048_576,
    output_limit: int = 65_536,
    thinking: bool = False,
) -> dict[str, object]:
    return {
        "name": f"models/{model_id}",
        "baseModelId": model_id,
        "version": "001",
        "displayName": name,
        "description": f"{name}, served by the test server",
        "inputTokenLimit": input_limit,
        "outputTokenLimit": output_limit,
        "supportedGenerationMethods": list(methods),
        "thinking": thinking,
    }


def ollama_model(name: str, *, families: Iterable[str] = ("llama",)) -> dict[str, object]:
    return {
        "name": name,
        "model": name,
        "modified_at": "2026-01-02T03:04:05.678901234-07:00",
        "size": 3_338_801_804,
        "digest": "a2af6cc3eb7fa8be8504abaf9b04e88f17a119ec3f04a3addf55f92841195f5a",
        "details": {
            "parent_model": "",
            "format": "gguf",
            "family": next(iter(families)),
            "families": list(families),
            "parameter_size": "4.3B",
            "quantization_level": "Q4_K_M",
        },
    }


def openrouter_model(
    model_id: str,
    name: str,
    *,
    context_length: int = 200_000,
    prompt: str = "0.000003",
    completion: str = "0.000015",
    input_modalities: Iterable[str] = ("text",),
    parameters: Iterable[str] = ("max_tokens", "temperature"),
    max_completion_tokens: int | None = 64_000,
) -> dict[str, object]:
    return {
        "id": model_id,
        "canonical_slug": model_id,
        "hugging_face_id": "",
        "name": name,
        "created": 1_750_000_000,
        "description": f"{name} via the test server",
        "context_length": context_length,
        "architecture": {
            "modality": "text->text",
            "input_modalities": list(input_modalities),
            "output_modalities": ["text"],
            "tokenizer": "Other",
            "instruct_type": None,
        },
        "pricing": {
            "prompt": prompt,
            "completion": completion,
            "request": "0",
            "image": "0",
            "web_search": "0",
            "internal_reasoning": "0",
        },
        "top_provider": {
            "context_length": context_length,
            "max_completion_tokens": max_completion_tokens,
            "is_moderated": False,
        },
        "per_request_limits": None,
        "supported_parameters": list(parameters),
    }
