"""A provider's listing and its registry entry, merged into the model records the app shows.

The registry's metadata wins for the models it knows (it is curated: names, windows, prices);
the listing's, with defaults for what it leaves out, for the models only the listing has. What
the database holds (the user's choices, the seed's deprecation) then wins over both, through
:func:`candidates_in_store`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from llm_registry.runtime._discovery.dialects import TEXT_ATTACHMENTS, ListedModel
from llm_registry.runtime._lifecycle import model_status
from llm_registry.runtime._rules import MODEL_ID_SEPARATOR
from llm_registry.runtime._store.store import ModelInfo, ModelStore

if TYPE_CHECKING:
    from llm_registry.runtime._descriptor import Model, ProviderDescriptor

__all__ = ["candidates_in_store", "merge_with_registry", "registry_models"]


def registry_models(descriptor: ProviderDescriptor) -> list[ModelInfo]:
    """The registry's ``default_models`` as model records."""
    return [_from_registry(descriptor.id, model) for model in descriptor.default_models]


def merge_with_registry(
    descriptor: ProviderDescriptor, listed: Iterable[ListedModel]
) -> list[ModelInfo]:
    """The listed models as records: the registry's metadata for the ids it knows, the
    listing's (with defaults for what it leaves out) for the others. Registry models come
    first, in registry order, then the others by id."""
    listed_by_id = {item.model_id: item for item in listed}
    known = [
        _from_registry(descriptor.id, model)
        for model in descriptor.default_models
        if model.id in listed_by_id
    ]
    known_ids = {model.model_id for model in known}
    discovered = [
        _from_listing(descriptor.id, item)
        for model_id, item in sorted(listed_by_id.items())
        if model_id not in known_ids
    ]
    return known + discovered


def candidates_in_store(
    store: ModelStore, provider_id: str, candidates: Sequence[ModelInfo]
) -> tuple[ModelInfo, ...]:
    """Each candidate as the database holds it (the user's choices, the seed's deprecation),
    or as given when the database has no such row."""
    stored = {model.id: model for model in store.models(provider_id)}
    return tuple(stored.get(candidate.id, candidate) for candidate in candidates)


def _from_registry(provider_id: str, model: Model) -> ModelInfo:
    pricing = model.pricing
    return ModelInfo(
        id=f"{provider_id}{MODEL_ID_SEPARATOR}{model.id}",
        provider_id=provider_id,
        model_id=model.id,
        display_name=model.display_name,
        context_window=model.context_window,
        max_output_tokens=model.max_output_tokens,
        attachments=tuple(str(kind) for kind in model.attachments),
        prompt_price_per_token=None if pricing is None else pricing.input_per_million / 1e6,
        completion_price_per_token=None if pricing is None else pricing.output_per_million / 1e6,
        supports_tools=bool(model.tools),
        supports_reasoning=model.reasoning is not None,
        is_deprecated=model_status(model) != "active",
        status=model_status(model),
        status_since=getattr(model, "since", None),  # None in packages generated before it
        replaced_by=(
            None
            if model.replaced_by is None
            else f"{provider_id}{MODEL_ID_SEPARATOR}{model.replaced_by}"
        ),
        is_internal=bool(model.internal),
        in_registry=True,
    )


def _from_listing(provider_id: str, item: ListedModel) -> ModelInfo:
    return ModelInfo(
        id=f"{provider_id}{MODEL_ID_SEPARATOR}{item.model_id}",
        provider_id=provider_id,
        model_id=item.model_id,
        display_name=item.display_name or item.model_id,
        context_window=item.context_window,
        max_output_tokens=item.max_output_tokens,
        attachments=item.attachments or TEXT_ATTACHMENTS,
        prompt_price_per_token=item.prompt_price_per_token,
        completion_price_per_token=item.completion_price_per_token,
        supports_tools=bool(item.supports_tools),
        supports_reasoning=bool(item.supports_reasoning),
    )
