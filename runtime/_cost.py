"""What a request cost, from the tokens a provider reported and the registry's prices.

:func:`estimate_cost` splits a :class:`~llm_registry.runtime.Usage` into parts, each at its
own rate: uncached input, input read from the prompt cache, input written to it (at the
default and at the one-hour lifetime), output, and reasoning. A price tier applies by the
prompt's input tokens (cached ones included): the last tier whose ``above_input_tokens`` the
prompt exceeds replaces the base prices; a cache price the tier does not give is unknown in
it. Reasoning tokens cost ``reasoning_per_million`` when the registry gives one, else the
output rate (of the tier that applies).

A cost is exact in decimal. When a price or a count the sum needs is missing, the result says
so (``total`` None, ``unknown_reason`` the why) rather than counting it as free.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from llm_registry.runtime._registry import Registry, find_model, parse_model_id

if TYPE_CHECKING:
    from llm_registry.runtime._chat.events import Usage
    from llm_registry.runtime._descriptor import PriceTier, Pricing

__all__ = ["Cost", "CostPart", "CostPartName", "estimate_cost"]

CostPartName = Literal[
    "input", "cached_input", "cache_write", "cache_write_1h", "output", "reasoning"
]

_MILLION = Decimal(1_000_000)


@dataclass(frozen=True, slots=True)
class CostPart:
    """Tokens of one kind at one rate; ``usd`` is their cost."""

    name: CostPartName
    tokens: int
    usd_per_million: Decimal
    usd: Decimal


@dataclass(frozen=True, slots=True)
class Cost:
    """A request's cost in USD: ``total`` and its ``parts`` (the kinds of tokens it had), or
    ``total`` None and ``unknown_reason`` saying which price or count is missing.
    ``tier_above`` is the threshold of the price tier applied (None: the base prices)."""

    model_id: str
    total: Decimal | None
    parts: tuple[CostPart, ...] = ()
    unknown_reason: str | None = None
    tier_above: int | None = None

    @property
    def known(self) -> bool:
        return self.total is not None


class _Unknown(Exception):
    """A price or count the sum needs is missing; the message says which."""


def estimate_cost(model_id: str, usage: Usage, *, registry: Registry | None = None) -> Cost:
    """The cost of one request to ``model_id`` that used ``usage``, at the registry's prices.

    Raises :class:`InvalidModelIdError` or :class:`UnknownProviderError` for an id the registry
    cannot parse; a model without prices gives an unknown cost, never zero.
    """
    ref = parse_model_id(model_id, registry=registry)
    model = find_model(ref.descriptor, ref.model)
    if model is None:
        return Cost(ref.id, None, unknown_reason=f"the registry does not list {ref.id}")
    if model.pricing is None:
        return Cost(ref.id, None, unknown_reason=f"the registry has no prices for {ref.id}")
    tier = _tier(model.pricing, usage.input_tokens)
    try:
        parts = _parts(model.pricing, tier, usage)
    except _Unknown as unknown:
        return Cost(
            ref.id,
            None,
            unknown_reason=str(unknown),
            tier_above=None if tier is None else tier.above_input_tokens,
        )
    return Cost(
        ref.id,
        sum((part.usd for part in parts), Decimal(0)),
        parts,
        tier_above=None if tier is None else tier.above_input_tokens,
    )


def _tier(pricing: Pricing, input_tokens: int | None) -> PriceTier | None:
    if input_tokens is None:
        return None
    # getattr: packages generated before tiers existed have no such attribute.
    tiers: Sequence[PriceTier] = getattr(pricing, "tiers", None) or ()
    applies = [tier for tier in tiers if input_tokens > tier.above_input_tokens]
    return applies[-1] if applies else None


def _parts(pricing: Pricing, tier: PriceTier | None, usage: Usage) -> tuple[CostPart, ...]:
    if usage.input_tokens is None:
        raise _Unknown("the provider reported no input token count")
    if usage.output_tokens is None:
        raise _Unknown("the provider reported no output token count")
    where = "" if tier is None else f" above {tier.above_input_tokens:,} input tokens"
    rates = pricing if tier is None else tier
    cached = usage.cache_read_tokens or 0
    written = usage.cache_write_tokens or 0
    written_1h = min(usage.cache_write_1h_tokens or 0, written)
    reasoning = min(usage.reasoning_tokens or 0, usage.output_tokens)
    reasoning_rate: float | None = getattr(pricing, "reasoning_per_million", None)
    counts: list[tuple[CostPartName, int, float | None, str]] = [
        ("input", max(usage.input_tokens - cached - written, 0), rates.input_per_million, "input"),
        ("cached_input", cached, rates.cache_read_per_million, "cache_read"),
        ("cache_write", written - written_1h, rates.cache_write_per_million, "cache_write"),
        ("cache_write_1h", written_1h, _one_hour_rate(pricing, tier), "cache_write_1h"),
        ("output", usage.output_tokens - reasoning, rates.output_per_million, "output"),
        (
            "reasoning",
            reasoning,
            rates.output_per_million if reasoning_rate is None else reasoning_rate,
            "reasoning",
        ),
    ]
    parts = []
    for name, tokens, rate, price_name in counts:
        if tokens == 0 and name not in ("input", "output"):
            continue
        if rate is None:
            raise _Unknown(
                f"{tokens:,} {name.replace('_', ' ')} tokens but no {price_name} price{where}"
            )
        per_million = Decimal(repr(float(rate)))
        parts.append(CostPart(name, tokens, per_million, per_million * tokens / _MILLION))
    return tuple(parts)


def _one_hour_rate(pricing: Pricing, tier: PriceTier | None) -> float | None:
    """The one-hour cache-write price has no tiered form: it applies only at the base prices."""
    rate: float | None = getattr(pricing, "cache_write_1h_per_million", None)
    return rate if tier is None else None
