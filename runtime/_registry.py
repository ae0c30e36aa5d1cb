"""Access to the generated provider registry, and the model-id grammar.

A model id is ``"<provider>::<model>"``: the provider's registry id, then the provider's own
model id, which may itself hold ``/`` and ``:`` (``openrouter::meta-llama/llama-4-scout``,
``ollama::llama3.2:3b``) but never ``::``.

The generated package is imported on first use, not when ``runtime`` is imported, so that
``import runtime`` stays cheap for code that never looks a provider up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from llm_registry.runtime._errors import InvalidModelIdError, UnknownProviderError

if TYPE_CHECKING:
    from llm_registry.curated.descriptor import Model, ProviderDescriptor

__all__ = [
    "MODEL_ID_SEPARATOR",
    "ModelRef",
    "discovery_dialect",
    "find_model",
    "get_provider",
    "parse_model_id",
    "provider_label",
    "providers",
]

MODEL_ID_SEPARATOR = "::"

# Inputs are echoed in error messages; a pasted paragraph should not become the message.
_MAX_ECHOED_CHARS = 120


def _registry() -> dict[str, ProviderDescriptor]:
    from llm_registry.curated import PROVIDERS

    return PROVIDERS


def _echo(text: str) -> str:
    if len(text) > _MAX_ECHOED_CHARS:
        text = text[:_MAX_ECHOED_CHARS] + "…"
    return repr(text)


def get_provider(provider_id: str) -> ProviderDescriptor:
    """Return the registry's descriptor for ``provider_id``.

    Raises :class:`UnknownProviderError` naming the id when the registry has no such provider.
    """
    try:
        return _registry()[provider_id]
    except (KeyError, TypeError):
        pass
    known = ", ".join(_registry())
    raise UnknownProviderError(
        f"unknown provider {_echo(str(provider_id))}; known providers: {known}",
        provider_id=None,
    )


def providers() -> list[ProviderDescriptor]:
    """Every provider in the registry, in its display order."""
    return list(_registry().values())


@dataclass(frozen=True, slots=True)
class ModelRef:
    """A parsed ``"<provider>::<model>"`` id with the provider's descriptor."""

    provider_id: str
    model: str
    descriptor: ProviderDescriptor

    @property
    def id(self) -> str:
        """The full model id, ``"<provider>::<model>"``."""
        return f"{self.provider_id}{MODEL_ID_SEPARATOR}{self.model}"

    def __str__(self) -> str:
        return self.id


def _split_model_id(model_id: str) -> tuple[str, str]:
    """Split a model id into (provider id, model) or raise InvalidModelIdError."""
    if not isinstance(model_id, str):
        raise InvalidModelIdError(
            f"invalid model id {_echo(str(model_id))}: expected a string "
            f"'<provider>{MODEL_ID_SEPARATOR}<model>'"
        )
    provider_id, separator, model = model_id.partition(MODEL_ID_SEPARATOR)
    problem = None
    if not separator:
        problem = f"expected '<provider>{MODEL_ID_SEPARATOR}<model>'"
    elif not provider_id:
        problem = "the provider part before '::' is empty"
    elif not model:
        problem = "the model part after '::' is empty"
    elif MODEL_ID_SEPARATOR in model:
        problem = "the model part may not contain '::'"
    elif model != model.strip() or provider_id != provider_id.strip():
        problem = "it has leading or trailing whitespace"
    elif any(ch.isspace() for ch in model):
        problem = "the model part may not contain whitespace"
    if problem is not None:
        raise InvalidModelIdError(f"invalid model id {_echo(model_id)}: {problem}")
    return provider_id, model


def parse_model_id(model_id: str) -> ModelRef:
    """Parse ``"<provider>::<model>"`` against the registry.

    Raises :class:`InvalidModelIdError` (naming the input) for a malformed id and
    :class:`UnknownProviderError` when the provider part names no registry provider.
    """
    provider_id, model = _split_model_id(model_id)
    return ModelRef(provider_id=provider_id, model=model, descriptor=get_provider(provider_id))


def provider_label(model_id: str) -> str:
    """The label to show (or pick a logo by) for a model.

    For an aggregator listing other vendors' models (a provider whose discovery dialect is
    ``openrouter``) it is the vendor before the ``/`` (``openrouter::meta-llama/llama-4-scout``
    → ``meta-llama``); otherwise it is the provider id.
    """
    ref = parse_model_id(model_id)
    if discovery_dialect(ref.descriptor) == "openrouter" and "/" in ref.model:
        vendor = ref.model.split("/", 1)[0]
        if vendor:
            return vendor
    return ref.provider_id


def find_model(descriptor: ProviderDescriptor, model: str) -> Model | None:
    """The registry's entry for ``model`` among the provider's default models, if it has one."""
    for entry in descriptor.default_models:
        if entry.id == model:
            return entry
    return None


def discovery_dialect(descriptor: ProviderDescriptor) -> str:
    """How the provider lists its models (``"openai"``, ``"google"``, …, ``"none"``)."""
    dialect: object = descriptor.discovery.dialect
    # Tolerate an Enum-typed field as well as a Literal-typed one.
    return str(getattr(dialect, "value", dialect))
