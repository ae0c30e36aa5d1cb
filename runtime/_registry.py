"""Access to a generated provider registry, and the model-id grammar.

A model id is ``"<provider>::<model>"``: the provider's registry id, then the provider's own
model id, which may itself hold ``/`` and ``:`` (``openrouter::meta-llama/llama-4-scout``,
``ollama::llama3.2:3b``) but never ``::``.

A registry is any package ``llm-registry generate`` wrote: its ``__init__`` holds one
``REGISTRY`` object that satisfies :class:`Registry`. Every lookup takes it as a keyword-only
``registry=``; None means the curated registry shipped with the runtime
(``llm_registry.curated``), imported on first use, not when the runtime is imported, so that
``import llm_registry.runtime`` stays cheap for code that never looks a provider up.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, cast

from llm_registry.runtime._errors import ConfigError, InvalidModelIdError, UnknownProviderError
from llm_registry.runtime._rules import MODEL_ID_SEPARATOR

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

    from llm_registry.runtime._descriptor import Model, ProviderDescriptor

__all__ = [
    "CURATED_PACKAGE",
    "ModelRef",
    "Registry",
    "default_registry",
    "discovery_dialect",
    "find_model",
    "get_provider",
    "load_registry",
    "parse_model_id",
    "provider_label",
    "providers",
    "resolve_registry",
]

# Inputs are echoed in error messages; a pasted paragraph should not become the message.
_MAX_ECHOED_CHARS = 120


# The registry compiled from this project's registry/ folder, shipped with the runtime.
CURATED_PACKAGE = "llm_registry.curated"

# What load_registry checks a package's REGISTRY for before handing it out.
_REGISTRY_ATTRIBUTES = (
    "package",
    "ids",
    "providers",
    "seed_sql",
    "key_forms_json",
    "logos_json",
    "logos",
)


class Registry(Protocol):
    """A generated provider registry: the ``REGISTRY`` object of a generated package.

    Structural: the class ``llm-registry generate`` writes into every package matches it
    without importing the runtime.
    """

    @property
    def package(self) -> str:
        """Import name of the generated package."""
        ...

    @property
    def ids(self) -> Sequence[str]:
        """Provider ids in display order; reading them loads no provider module."""
        ...

    @property
    def providers(self) -> Mapping[str, ProviderDescriptor]:
        """Descriptors by id, read-only; looking one up imports that provider's module only."""
        ...

    @property
    def seed_sql(self) -> Traversable:
        """The package's ``seed.sql``."""
        ...

    @property
    def key_forms_json(self) -> Traversable:
        """The package's ``key_forms.json``."""
        ...

    @property
    def logos_json(self) -> Traversable:
        """The package's ``logos.json``."""
        ...

    @property
    def logos(self) -> Traversable:
        """The package's folder of logos, ``<id>.svg``."""
        ...


def load_registry(package: str) -> Registry:
    """Import the generated package ``package`` and return its ``REGISTRY``.

    Raises :class:`ConfigError` saying what is wrong when the package cannot be imported or is
    not one ``llm-registry generate`` wrote.
    """
    if not isinstance(package, str) or not package.strip():
        raise ConfigError(f"invalid registry package name {_echo(str(package))}")
    try:
        module = importlib.import_module(package)
    except ImportError as error:
        raise ConfigError(
            f"cannot import the registry package {_echo(package)}: {error}; "
            "is it on the import path (installed, or its parent folder on sys.path)?"
        ) from None
    found: object = getattr(module, "REGISTRY", None)
    # dir() names properties without running them: hasattr would open the package's files
    # (importlib.resources, a tenth of the runtime's import time) just to check they exist.
    present = set(dir(found))
    missing = [name for name in _REGISTRY_ATTRIBUTES if name not in present]
    if found is None or missing:
        raise ConfigError(
            f"{_echo(package)} is not a generated registry package: "
            + (
                "it has no REGISTRY"
                if found is None
                else f"its REGISTRY lacks {', '.join(missing)}"
            )
            + "; generate one with `llm-registry generate --out <folder>`"
        )
    return cast(Registry, found)  # checked attribute by attribute above


_default: Registry | None = None


def default_registry() -> Registry:
    """The curated registry shipped with the runtime, imported on first use."""
    global _default
    if _default is None:
        _default = load_registry(CURATED_PACKAGE)
    return _default


def resolve_registry(registry: Registry | None) -> Registry:
    """``registry``, or the curated default when it is None."""
    return default_registry() if registry is None else registry


def _echo(text: str) -> str:
    if len(text) > _MAX_ECHOED_CHARS:
        text = text[:_MAX_ECHOED_CHARS] + "…"
    return repr(text)


def get_provider(provider_id: str, *, registry: Registry | None = None) -> ProviderDescriptor:
    """Return the registry's descriptor for ``provider_id`` (default registry: the curated one).

    Raises :class:`UnknownProviderError` naming the id when the registry has no such provider.
    """
    found = resolve_registry(registry)
    try:
        return found.providers[provider_id]
    except (KeyError, TypeError):
        pass
    known = ", ".join(found.ids)
    raise UnknownProviderError(
        f"unknown provider {_echo(str(provider_id))}; known providers: {known}",
        provider_id=None,
    )


def providers(*, registry: Registry | None = None) -> list[ProviderDescriptor]:
    """Every provider in the registry, in its display order (this loads every descriptor)."""
    found = resolve_registry(registry)
    return [found.providers[provider_id] for provider_id in found.ids]


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
        problem = f"the provider part before {MODEL_ID_SEPARATOR!r} is empty"
    elif not model:
        problem = f"the model part after {MODEL_ID_SEPARATOR!r} is empty"
    elif MODEL_ID_SEPARATOR in model:
        problem = f"the model part may not contain {MODEL_ID_SEPARATOR!r}"
    elif model != model.strip() or provider_id != provider_id.strip():
        problem = "it has leading or trailing whitespace"
    elif any(ch.isspace() for ch in model):
        problem = "the model part may not contain whitespace"
    if problem is not None:
        raise InvalidModelIdError(f"invalid model id {_echo(model_id)}: {problem}")
    return provider_id, model


def parse_model_id(model_id: str, *, registry: Registry | None = None) -> ModelRef:
    """Parse ``"<provider>::<model>"`` against the registry (default: the curated one).

    Raises :class:`InvalidModelIdError` (naming the input) for a malformed id and
    :class:`UnknownProviderError` when the provider part names no registry provider.
    """
    provider_id, model = _split_model_id(model_id)
    descriptor = get_provider(provider_id, registry=registry)
    return ModelRef(provider_id=provider_id, model=model, descriptor=descriptor)


def provider_label(model_id: str, *, registry: Registry | None = None) -> str:
    """The label to show (or pick a logo by) for a model.

    For an aggregator listing other vendors' models (a provider whose discovery dialect is
    ``openrouter``) it is the vendor before the ``/`` (``openrouter::meta-llama/llama-4-scout``
    → ``meta-llama``); otherwise it is the provider id.
    """
    ref = parse_model_id(model_id, registry=registry)
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
    return descriptor.discovery.dialect
