"""The discovery cache's encoding: a listing as JSON text, its key, and reading it back.

A cache entry this release cannot read (written by another release, or damaged) reads as a
miss, never as an error: the listing is fetched again.
"""

from __future__ import annotations

import functools
import hashlib
import json
import time
from collections.abc import Sequence
from typing import TypeVar

from llm_registry.runtime._discovery.dialects import ListedModel

__all__ = [
    "attachments_from_json",
    "attachments_to_json",
    "base_url_hash",
    "cache_entry",
    "float_or_none",
    "listing_from_json",
]

_T = TypeVar("_T")


def base_url_hash(base_url: str) -> str:
    """Cache key for a base URL; a trailing slash does not make another endpoint. Hashed,
    because a base URL may carry credentials in its user-info."""
    return hashlib.sha256(base_url.rstrip("/").encode("utf-8")).hexdigest()


def cache_entry(
    provider_id: str, base_url: str, listed: Sequence[ListedModel], fetched_at: float | None
) -> tuple[str, str, float, str]:
    """A row of ``discovery_cache`` for one listing: provider, URL hash, time, models as JSON."""
    models_json = json.dumps([_listed_to_json(m) for m in listed], separators=(",", ":"))
    when = time.time() if fetched_at is None else fetched_at
    return (provider_id, base_url_hash(base_url), when, models_json)


def listing_from_json(text: str) -> tuple[ListedModel, ...] | None:
    """The cached listing, or None for an entry this version cannot read (treated as a miss)."""
    try:
        entries = json.loads(text)
        if not isinstance(entries, list):
            return None
        return tuple(_listed_from_json(entry) for entry in entries)
    except (ValueError, RecursionError, TypeError, KeyError, AttributeError):
        return None


def attachments_from_json(value: object) -> tuple[str, ...]:
    """``models.supported_attachment_types`` (a JSON list of kinds); () when unreadable."""
    return _attachments_from_text(value) if isinstance(value, str) else ()


# Every row holds one of a handful of lists ('["text", "image"]'); reading a provider's rows
# back after each refresh decoded the same few strings again and again.
@functools.lru_cache(maxsize=64)
def _attachments_from_text(text: str) -> tuple[str, ...]:
    try:
        kinds = json.loads(text)
    except (ValueError, RecursionError):
        return ()
    return tuple(k for k in kinds if isinstance(k, str)) if isinstance(kinds, list) else ()


@functools.lru_cache(maxsize=64)
def attachments_to_json(kinds: tuple[str, ...]) -> str:
    """The column's JSON text for ``kinds`` (the inverse of :func:`attachments_from_json`)."""
    return json.dumps(list(kinds))


def float_or_none(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) else None


def _listed_to_json(model: ListedModel) -> dict[str, object]:
    return {
        "model_id": model.model_id,
        "display_name": model.display_name,
        "context_window": model.context_window,
        "max_output_tokens": model.max_output_tokens,
        "attachments": None if model.attachments is None else list(model.attachments),
        "prompt_price_per_token": model.prompt_price_per_token,
        "completion_price_per_token": model.completion_price_per_token,
        "supports_tools": model.supports_tools,
        "supports_reasoning": model.supports_reasoning,
    }


def _listed_from_json(entry: dict[str, object]) -> ListedModel:
    def optional(key: str, kind: type[_T]) -> _T | None:
        value = entry.get(key)
        return value if isinstance(value, kind) else None

    attachments = entry.get("attachments")
    model_id = entry["model_id"]
    if not isinstance(model_id, str):
        raise TypeError("model_id")
    return ListedModel(
        model_id=model_id,
        display_name=optional("display_name", str),
        context_window=optional("context_window", int),
        max_output_tokens=optional("max_output_tokens", int),
        attachments=(
            tuple(a for a in attachments if isinstance(a, str))
            if isinstance(attachments, list)
            else None
        ),
        prompt_price_per_token=float_or_none(entry.get("prompt_price_per_token")),
        completion_price_per_token=float_or_none(entry.get("completion_price_per_token")),
        supports_tools=optional("supports_tools", bool),
        supports_reasoning=optional("supports_reasoning", bool),
    )
