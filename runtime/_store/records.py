"""The store's records: a model row as the app sees it, a cached listing, the seed's counts; and
the mapping between ``models`` rows and :class:`ModelInfo`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from llm_registry.runtime._discovery.dialects import ListedModel
from llm_registry.runtime._store.cache_codec import (
    attachments_from_json,
    attachments_to_json,
    float_or_none,
)

__all__ = [
    "MODEL_COLUMNS",
    "CachedListing",
    "ModelInfo",
    "SeedSummary",
    "discovered_row",
    "model_from_row",
]

# The columns `model_from_row` reads, in its order.
MODEL_COLUMNS: Final = """
    id, provider_id, model_id, display_name, context_window, max_output_tokens,
    supported_attachment_types, prompt_price_per_token, completion_price_per_token,
    supports_tools, supports_reasoning, is_deprecated, is_internal, in_registry,
    is_enabled, is_hidden, is_selected, status, status_since, replaced_by
"""


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelInfo:
    """One model as the app shows it: a row of the ``models`` table, or what would become one."""

    id: str  # "<provider>::<model>"
    provider_id: str
    model_id: str
    display_name: str
    context_window: int | None = None
    max_output_tokens: int | None = None
    attachments: tuple[str, ...] = ()
    prompt_price_per_token: float | None = None
    completion_price_per_token: float | None = None
    supports_tools: bool = False
    supports_reasoning: bool = False
    is_deprecated: bool = False
    is_internal: bool = False
    in_registry: bool = False
    is_enabled: bool = True
    is_hidden: bool = False
    is_selected: bool = False
    status: str = "active"  # active, deprecated or retired (the registry's lifecycle)
    status_since: str | None = None  # YYYY-MM-DD
    replaced_by: str | None = None  # "<provider>::<model>" of the replacement


@dataclass(frozen=True, slots=True)
class CachedListing:
    models: tuple[ListedModel, ...]
    fetched_at: float  # unix time


@dataclass(frozen=True, slots=True)
class SeedSummary:
    providers: int
    models: int


def discovered_row(m: ModelInfo) -> tuple[object, ...]:
    """The parameters of the store's upsert of a discovered model for one model."""
    return (
        m.id,
        m.provider_id,
        m.model_id,
        m.display_name,
        int(m.is_internal),
        int(m.is_deprecated),
        attachments_to_json(tuple(m.attachments)),
        m.context_window,
        m.max_output_tokens,
        m.prompt_price_per_token,
        m.completion_price_per_token,
        int(m.supports_tools),
        int(m.supports_reasoning),
    )


def model_from_row(row: Sequence[object]) -> ModelInfo:
    (
        id_,
        provider_id,
        model_id,
        display_name,
        context_window,
        max_output_tokens,
        attachments_json,
        prompt_price,
        completion_price,
        supports_tools,
        supports_reasoning,
        is_deprecated,
        is_internal,
        in_registry,
        is_enabled,
        is_hidden,
        is_selected,
        status,
        status_since,
        replaced_by,
    ) = row
    return ModelInfo(
        id=str(id_),
        provider_id=str(provider_id),
        model_id=str(model_id),
        display_name=str(display_name),
        context_window=context_window if isinstance(context_window, int) else None,
        max_output_tokens=max_output_tokens if isinstance(max_output_tokens, int) else None,
        attachments=attachments_from_json(attachments_json),
        prompt_price_per_token=float_or_none(prompt_price),
        completion_price_per_token=float_or_none(completion_price),
        supports_tools=bool(supports_tools),
        supports_reasoning=bool(supports_reasoning),
        is_deprecated=bool(is_deprecated),
        is_internal=bool(is_internal),
        in_registry=bool(in_registry),
        is_enabled=bool(is_enabled),
        is_hidden=bool(is_hidden),
        is_selected=bool(is_selected),
        status=str(status),
        status_since=status_since if isinstance(status_since, str) else None,
        replaced_by=replaced_by if isinstance(replaced_by, str) else None,
    )
