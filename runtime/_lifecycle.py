"""Model lifecycles: a model is active, deprecated (still served; its ``replaced_by`` is a
suggestion) or retired (no longer served). :func:`resolve_model` turns the id an app stored
into the id to call today, following ``replaced_by`` from retired models.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from llm_registry.runtime._registry import Registry, find_model, parse_model_id
from llm_registry.runtime._rules import MODEL_ID_SEPARATOR

if TYPE_CHECKING:
    from llm_registry.runtime._descriptor import Model

__all__ = ["ModelStatus", "ResolvedModel", "model_status", "resolve_model"]

ModelStatus = Literal["active", "deprecated", "retired", "unknown"]


def model_status(model: Model) -> Literal["active", "deprecated", "retired"]:
    """A registry model's status: its ``status``, or ``deprecated: true`` read as deprecated
    (registries written before ``status`` existed). A package generated before then has no
    ``status`` attribute at all, and reads the same way."""
    status = getattr(model, "status", None)
    if status == "retired":
        return "retired"
    if status == "deprecated" or (status is None and model.deprecated):
        return "deprecated"
    return "active"


@dataclass(frozen=True, slots=True)
class ResolvedModel:
    """Where a model id leads. ``id`` is the model to call; ``chain`` every id followed, from
    the one asked for to ``id`` (just that one when nothing moved); ``status`` is ``id``'s:
    ``retired`` only when the last retired model names no replacement, ``unknown`` for a model
    the registry does not list (one found by discovery, say)."""

    id: str
    chain: tuple[str, ...]
    status: ModelStatus

    @property
    def moved(self) -> bool:
        return len(self.chain) > 1


def resolve_model(model_id: str, *, registry: Registry | None = None) -> ResolvedModel:
    """Follow ``replaced_by`` from a retired model to the model that replaces it, through any
    number of retired models. A deprecated model resolves to itself: it still answers, and
    moving off it is the app's (or the user's) choice.

    Raises :class:`InvalidModelIdError` for a malformed id and :class:`UnknownProviderError`
    for a provider the registry lacks; a model the registry does not list resolves to itself.
    """
    ref = parse_model_id(model_id, registry=registry)
    chain = [ref.id]
    model = find_model(ref.descriptor, ref.model)
    while model is not None and model_status(model) == "retired" and model.replaced_by:
        next_id = f"{ref.provider_id}{MODEL_ID_SEPARATOR}{model.replaced_by}"
        if next_id in chain:
            break  # a loop, which the compiler refuses (E321): stop where it closes
        chain.append(next_id)
        model = find_model(ref.descriptor, model.replaced_by)
    status: ModelStatus = "unknown" if model is None else model_status(model)
    return ResolvedModel(id=chain[-1], chain=tuple(chain), status=status)
