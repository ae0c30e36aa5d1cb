"""Reading a provider's model listing: one decoded JSON page, in one of the five dialects'
shapes, into `ListedModel` records (the dialects' requests are `_discovery.dialects`).

Parsing is strict about the envelope (a body that is not the dialect's shape raises
`ListingShapeError`) and lenient about entries (an entry without a usable id is skipped, and
counted), because one odd model in a listing of hundreds should not cost the user the other
models. Pure functions only: nothing here imports httpx.
"""

from __future__ import annotations

import math
from typing import Final

from llm_registry.runtime._discovery.dialects import (
    TEXT_ATTACHMENTS,
    ListedModel,
    ListingPage,
    ListingShapeError,
)
from llm_registry.runtime._rules import MAX_DISPLAY_NAME, UNSAFE_TEXT, model_id_problem

__all__ = ["parse_page"]

# An OpenAI-style listing mixes chat models with embeddings, speech and image models that a chat
# picker cannot use; these id fragments name the latter.
_NON_CHAT_ID_FRAGMENTS: Final = (
    "embed",
    "whisper",
    "tts",
    "dall-e",
    "moderation",
    "transcribe",
    "gpt-image",
    "sora",
)


def parse_page(dialect: str, payload: object) -> ListingPage:
    """Read one decoded JSON page of a listing in the given dialect."""
    parser = _PARSERS.get(dialect)
    if parser is None:
        raise ValueError(f"dialect {dialect!r} has no listing format")
    return parser(payload)


# --- the five shapes ----------------------------------------------------------------------------


def _parse_openai(payload: object) -> ListingPage:
    # Most servers wrap the list as {"object": "list", "data": [...]}; a few OpenAI-compatible
    # ones (Together) answer with the bare list.
    entries = payload if isinstance(payload, list) else _list_field(payload, "data", "openai")
    models: list[ListedModel] = []
    objects, unusable = _objects_counted(entries)
    for entry in objects:
        model_id = _model_id(entry.get("id"))
        unusable += model_id is None
        if model_id is None or _is_non_chat(model_id):
            continue
        capabilities = entry.get("capabilities")
        caps = capabilities if isinstance(capabilities, dict) else {}
        vision = _bool(caps.get("vision"))
        models.append(
            ListedModel(
                model_id=model_id,
                display_name=_text(entry.get("display_name")) or _text(entry.get("name")),
                # Groq says context_window, Together context_length, Mistral max_context_length.
                context_window=_positive_int(
                    entry.get("context_window"),
                    entry.get("context_length"),
                    entry.get("max_context_length"),
                ),
                max_output_tokens=_positive_int(entry.get("max_completion_tokens")),
                attachments=None if vision is None else _attachments(image=vision),
                supports_tools=_bool(caps.get("function_calling")),
            )
        )
    return ListingPage(tuple(models), unusable=unusable)


def _parse_anthropic(payload: object) -> ListingPage:
    entries = _list_field(payload, "data", "anthropic")
    assert isinstance(payload, dict)
    models = [
        ListedModel(
            model_id=model_id,
            display_name=_text(entry.get("display_name")),
            context_window=_positive_int(entry.get("max_input_tokens")),
            max_output_tokens=_positive_int(entry.get("max_tokens")),
        )
        for entry in _objects(entries)
        if (model_id := _model_id(entry.get("id"))) is not None
    ]
    unusable = len(entries) - len(models)
    next_cursor: str | None = None
    if payload.get("has_more") is True:
        last_id = payload.get("last_id")
        if not isinstance(last_id, str) or not last_id:
            raise ListingShapeError("anthropic listing says has_more but gives no last_id")
        next_cursor = last_id
    return ListingPage(tuple(models), next_cursor, unusable)


def _parse_google(payload: object) -> ListingPage:
    if isinstance(payload, dict) and "models" not in payload:
        # The API leaves out "models" altogether when the key sees none.
        entries: list[object] = []
    else:
        entries = _list_field(payload, "models", "google")
    assert isinstance(payload, dict)
    models: list[ListedModel] = []
    objects, unusable = _objects_counted(entries)
    for entry in objects:
        methods = entry.get("supportedGenerationMethods")
        # Embedding and AQA models list other methods; a chat app can only use generateContent.
        if isinstance(methods, list) and "generateContent" not in methods:
            continue
        name = entry.get("name")
        if isinstance(name, str) and name.startswith("models/"):
            name = name[len("models/") :]
        model_id = _model_id(name)
        if model_id is None:
            unusable += 1
            continue
        models.append(
            ListedModel(
                model_id=model_id,
                display_name=_text(entry.get("displayName")),
                context_window=_positive_int(entry.get("inputTokenLimit")),
                max_output_tokens=_positive_int(entry.get("outputTokenLimit")),
                supports_reasoning=_bool(entry.get("thinking")),
            )
        )
    token = payload.get("nextPageToken")
    cursor = token if isinstance(token, str) and token else None
    return ListingPage(tuple(models), cursor, unusable)


def _parse_ollama(payload: object) -> ListingPage:
    entries = _list_field(payload, "models", "ollama")
    models: list[ListedModel] = []
    objects, unusable = _objects_counted(entries)
    for entry in objects:
        model_id = _model_id(entry.get("model")) or _model_id(entry.get("name"))
        if model_id is None:
            unusable += 1
            continue
        details = entry.get("details")
        families = details.get("families") if isinstance(details, dict) else None
        family_names = (
            {f for f in families if isinstance(f, str)} if isinstance(families, list) else set()
        )
        raw_capabilities = entry.get("capabilities")
        capabilities = (
            {c for c in raw_capabilities if isinstance(c, str)}
            if isinstance(raw_capabilities, list)
            else set()
        )
        # Vision models carry a CLIP projector ("clip") or are Llama 3.2 Vision ("mllama").
        vision = bool(family_names & {"clip", "mllama"}) or "vision" in capabilities
        models.append(
            ListedModel(
                model_id=model_id,
                display_name=_text(entry.get("name")),
                attachments=_attachments(image=vision),
                supports_tools=True if "tools" in capabilities else None,
                supports_reasoning=True if "thinking" in capabilities else None,
            )
        )
    return ListingPage(tuple(models), unusable=unusable)


def _parse_openrouter(payload: object) -> ListingPage:
    entries = _list_field(payload, "data", "openrouter")
    models: list[ListedModel] = []
    objects, unusable = _objects_counted(entries)
    for entry in objects:
        model_id = _model_id(entry.get("id"))
        if model_id is None:
            unusable += 1
            continue
        architecture = entry.get("architecture")
        arch = architecture if isinstance(architecture, dict) else {}
        raw_modalities = arch.get("input_modalities")
        attachments: tuple[str, ...] | None = None
        if isinstance(raw_modalities, list):
            modalities = {m for m in raw_modalities if isinstance(m, str)}
            attachments = _attachments(image="image" in modalities, pdf="file" in modalities)
        pricing = entry.get("pricing")
        prices = pricing if isinstance(pricing, dict) else {}
        top_provider = entry.get("top_provider")
        top = top_provider if isinstance(top_provider, dict) else {}
        raw_parameters = entry.get("supported_parameters")
        parameters = (
            {p for p in raw_parameters if isinstance(p, str)}
            if isinstance(raw_parameters, list)
            else None
        )
        models.append(
            ListedModel(
                model_id=model_id,
                display_name=_text(entry.get("name")),
                context_window=_positive_int(
                    entry.get("context_length"), top.get("context_length")
                ),
                max_output_tokens=_positive_int(top.get("max_completion_tokens")),
                attachments=attachments,
                # OpenRouter prices are USD per token already, as decimal strings.
                prompt_price_per_token=_price(prices.get("prompt")),
                completion_price_per_token=_price(prices.get("completion")),
                supports_tools=None if parameters is None else "tools" in parameters,
                supports_reasoning=None if parameters is None else "reasoning" in parameters,
            )
        )
    return ListingPage(tuple(models), unusable=unusable)


_PARSERS: Final = {
    "openai": _parse_openai,
    "anthropic": _parse_anthropic,
    "google": _parse_google,
    "ollama": _parse_ollama,
    "openrouter": _parse_openrouter,
}


# --- field readers: each returns None for anything it cannot trust ------------------------------


def _list_field(payload: object, key: str, dialect: str) -> list[object]:
    if not isinstance(payload, dict):
        raise ListingShapeError(f"{dialect} listing is not a JSON object")
    value = payload.get(key)
    if not isinstance(value, list):
        raise ListingShapeError(f'{dialect} listing has no "{key}" list')
    return value


def _objects(entries: list[object]) -> list[dict[str, object]]:
    return [entry for entry in entries if isinstance(entry, dict)]


def _objects_counted(entries: list[object]) -> tuple[list[dict[str, object]], int]:
    """The entries that are objects, and how many are not (counted as unusable)."""
    objects = _objects(entries)
    return objects, len(entries) - len(objects)


def _model_id(value: object) -> str | None:
    # The registry's own rules for model ids; control characters would reach terminals and the
    # database.
    if not isinstance(value, str) or model_id_problem(value) is not None:
        return None
    return value


def _text(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    cleaned = " ".join(UNSAFE_TEXT.sub(" ", value).split())[:MAX_DISPLAY_NAME]
    return cleaned or None


def _positive_int(*values: object) -> int | None:
    for value in values:
        # bool is an int in Python; a listing's true is not a token count.
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return None


def _bool(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def _price(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    try:
        price = float(value)
    except ValueError:
        return None
    # OpenRouter marks variable pricing (its auto router) with "-1".
    return price if math.isfinite(price) and price >= 0 else None


def _attachments(*, image: bool = False, pdf: bool = False) -> tuple[str, ...]:
    kinds = list(TEXT_ATTACHMENTS)
    if image:
        kinds.append("image")
    if pdf:
        kinds.append("pdf")
    return tuple(kinds)


def _is_non_chat(model_id: str) -> bool:
    lowered = model_id.lower()
    return any(fragment in lowered for fragment in _NON_CHAT_ID_FRAGMENTS)
