"""What the runtime reads from a provider descriptor, as structural types.

Every generated package (the curated registry, or an app's own) defines its own frozen
descriptor dataclasses; the runtime accepts any of them. These Protocols name the attributes the
runtime reads, read-only, so that ``mypy --strict`` accepts an app's descriptors wherever the
runtime takes one and still rejects anything else. Field types are the widest the runtime copes
with: a generated ``Literal`` field satisfies a ``str`` attribute here, a tuple a ``Sequence``.

Nothing here exists at run time beyond the classes themselves: the runtime never checks a
descriptor against them with ``isinstance``. Attributes newer than the oldest generated package
the runtime reads are not in the Protocols (a package generated before them would no longer
satisfy them); the functions at the end read them, with the default an older package means.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

__all__ = [
    "ApiKey",
    "Auth",
    "Discovery",
    "Logo",
    "Model",
    "PriceTier",
    "Pricing",
    "ProviderDescriptor",
    "Reasoning",
    "Variable",
    "model_implementation",
    "reasoning_can_disable",
    "reasoning_sent_as",
]


class ApiKey(Protocol):
    """How users obtain and supply a provider's key."""

    @property
    def env(self) -> str: ...
    @property
    def placeholder(self) -> str: ...
    @property
    def url(self) -> str: ...


class Variable(Protocol):
    """One ``{name}`` placeholder of a templated base URL."""

    @property
    def label(self) -> str: ...
    @property
    def placeholder(self) -> str: ...
    @property
    def env(self) -> str | None: ...
    @property
    def pattern(self) -> str | None: ...
    @property
    def default(self) -> str | None: ...


class Auth(Protocol):
    """How the key is sent: ``bearer``, ``header`` or ``query`` (with ``name``), or ``none``."""

    @property
    def type(self) -> str: ...
    @property
    def name(self) -> str | None: ...


class Discovery(Protocol):
    """How the runtime lists a provider's models."""

    @property
    def dialect(self) -> str: ...
    @property
    def path(self) -> str | None: ...


class Logo(Protocol):
    @property
    def svg(self) -> str: ...
    @property
    def invert_in_dark_mode(self) -> bool | None: ...


class Pricing(Protocol):
    """USD per million tokens."""

    @property
    def input_per_million(self) -> float: ...
    @property
    def output_per_million(self) -> float: ...
    @property
    def cache_read_per_million(self) -> float | None: ...
    @property
    def cache_write_per_million(self) -> float | None: ...
    @property
    def cache_write_1h_per_million(self) -> float | None: ...
    @property
    def reasoning_per_million(self) -> float | None: ...
    @property
    def tiers(self) -> Sequence[PriceTier] | None: ...


class PriceTier(Protocol):
    """USD per million tokens for prompts of more than ``above_input_tokens`` input tokens."""

    @property
    def above_input_tokens(self) -> int: ...
    @property
    def input_per_million(self) -> float: ...
    @property
    def output_per_million(self) -> float: ...
    @property
    def cache_read_per_million(self) -> float | None: ...
    @property
    def cache_write_per_million(self) -> float | None: ...


class Reasoning(Protocol):
    @property
    def mode(self) -> str: ...
    @property
    def efforts(self) -> Sequence[str] | None: ...
    @property
    def min_budget_tokens(self) -> int | None: ...


class Model(Protocol):
    """One model a provider serves, as its registry entry describes it."""

    @property
    def id(self) -> str: ...
    @property
    def display_name(self) -> str: ...
    @property
    def context_window(self) -> int: ...
    @property
    def max_output_tokens(self) -> int: ...
    @property
    def attachments(self) -> Sequence[str]: ...
    @property
    def pricing(self) -> Pricing | None: ...
    @property
    def tools(self) -> bool | None: ...
    @property
    def reasoning(self) -> Reasoning | None: ...
    @property
    def deprecated(self) -> bool | None: ...
    @property
    def status(self) -> str | None:
        """active, deprecated or retired; None is active, unless ``deprecated`` is true."""
        ...

    @property
    def since(self) -> str | None:
        """The date (YYYY-MM-DD) the model entered its status."""
        ...

    @property
    def internal(self) -> bool | None: ...
    @property
    def replaced_by(self) -> str | None:
        """The id (of this provider) of the model replacing a deprecated or retired one."""
        ...


class ProviderDescriptor(Protocol):
    """One provider: where it is, how to authenticate, how to list its models."""

    @property
    def id(self) -> str: ...
    @property
    def display_name(self) -> str: ...
    @property
    def base_url(self) -> str: ...
    @property
    def implementation(self) -> str: ...
    @property
    def api_key(self) -> ApiKey | None: ...
    @property
    def context_limit_patterns(self) -> Sequence[str]: ...
    @property
    def discovery(self) -> Discovery: ...
    @property
    def default_models(self) -> Sequence[Model]: ...
    @property
    def logo(self) -> Logo | None: ...
    @property
    def docs_url(self) -> str | None: ...
    @property
    def headers(self) -> Mapping[str, str] | None: ...
    @property
    def provider_class(self) -> str | None: ...
    @property
    def display_order(self) -> int | None: ...

    # ``variables`` (Mapping[str, Variable] | None), ``auth`` (Auth | None) and ``query``
    # (Mapping[str, str] | None) are not members here: packages generated before they existed
    # lack them, and must still type-check. The runtime reads them with getattr and a default
    # of None (runtime._endpoint).


# Attributes a package generated by an older compiler lacks (see the module docstring).


def reasoning_can_disable(reasoning: Reasoning) -> bool:
    """Whether the model's reasoning can be switched off: always in mode ``toggle``, never in
    mode ``always``, else as ``can_disable`` says (absent: no)."""
    if reasoning.mode == "toggle":
        return True
    return reasoning.mode != "always" and getattr(reasoning, "can_disable", None) is True


def reasoning_sent_as(reasoning: Reasoning) -> str | None:
    """How an OpenAI-compatible server takes the model's reasoning setting (``sent_as``)."""
    sent_as: object = getattr(reasoning, "sent_as", None)
    return None if sent_as is None else str(getattr(sent_as, "value", sent_as))


def model_implementation(model: Model | None) -> str | None:
    """The wire format a model's own entry names (``implementation``), overriding its
    provider's; None when it names none."""
    implementation: object = getattr(model, "implementation", None)
    return None if implementation is None else str(getattr(implementation, "value", implementation))
