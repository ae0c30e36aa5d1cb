"""What the runtime reads from a provider descriptor, as structural types.

Every generated package (the curated registry, or an app's own) defines its own frozen
descriptor dataclasses; the runtime accepts any of them. These Protocols name the attributes the
runtime reads, read-only, so that ``mypy --strict`` accepts an app's descriptors wherever the
runtime takes one and still rejects anything else. Field types are the widest the runtime copes
with: a generated ``Literal`` field satisfies a ``str`` attribute here, a tuple a ``Sequence``.

Nothing here exists at run time beyond the classes themselves: the runtime never checks a
descriptor against them with ``isinstance``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

__all__ = [
    "ApiKey",
    "Discovery",
    "Logo",
    "Model",
    "PriceTier",
    "Pricing",
    "ProviderDescriptor",
    "Reasoning",
]


class ApiKey(Protocol):
    """How users obtain and supply a provider's key."""

    @property
    def env(self) -> str: ...
    @property
    def placeholder(self) -> str: ...
    @property
    def url(self) -> str: ...


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
