"""A model's ``cost`` table from models.dev as registry ``pricing``: input and output, the
prompt-cache prices, a reasoning price, and the long-prompt tiers.

models.dev writes tiers as ``[[cost.tiers]]`` entries (``tier = {type = "context", size = N}``
with input, output, cache_read, cache_write: the rates for prompts of more than N tokens), and
in older files as one ``[cost.context_over_200k]`` table (the rates above 200,000 tokens). A
tier of another type, or without a usable size, input or output, is left out with W516, as is
any single price that is not one; without both base prices there is no pricing at all.
"""

from __future__ import annotations

from typing import Any

from llm_registry.codegen.importer.rules import Notes, positive_int, price, table

__all__ = ["pricing"]

# The cost keys carried as they are: models.dev's name → the registry's.
_EXTRA_PRICES = (
    ("cache_read", "cache_read_per_million"),
    ("cache_write", "cache_write_per_million"),
    ("reasoning", "reasoning_per_million"),
)
_TIER_PRICES = (
    ("input", "input_per_million"),
    ("output", "output_per_million"),
    ("cache_read", "cache_read_per_million"),
    ("cache_write", "cache_write_per_million"),
)
_OVER_200K = 200_000


def pricing(cost: Any, notes: Notes, where: str) -> dict[str, Any] | None:
    """Pricing per million tokens, or none (W516 when input or output is unusable)."""
    if cost is None:
        return None
    prices = table(cost)
    base = [price(prices.get(key)) for key in ("input", "output")]
    if base[0] is None or base[1] is None:
        notes.warn(where, "W516", "cost.input or cost.output is not a price: pricing dropped")
        return None
    result: dict[str, Any] = {"input_per_million": base[0], "output_per_million": base[1]}
    for source, key in _EXTRA_PRICES:
        value = _optional_price(prices, source, f"cost.{source}", notes, where)
        if value is not None:
            result[key] = value
    tiers = _tiers(prices, notes, where)
    if tiers:
        result["tiers"] = tiers
    return result


def _optional_price(
    prices: dict[str, Any], key: str, name: str, notes: Notes, where: str
) -> float | None:
    value = prices.get(key)
    if value is None:
        return None
    usable = price(value)
    if usable is None:
        notes.warn(where, "W516", f"{name} is not a price: left out")
    return usable


def _tiers(prices: dict[str, Any], notes: Notes, where: str) -> list[dict[str, Any]]:
    entries: list[tuple[Any, Any]] = []
    listed = prices.get("tiers")
    for entry in listed if isinstance(listed, list) else []:
        shape = table(table(entry).get("tier"))
        size = shape.get("size") if shape.get("type", "context") == "context" else None
        entries.append((size, entry))
    if not entries and prices.get("context_over_200k") is not None:
        entries.append((_OVER_200K, prices["context_over_200k"]))
    by_threshold: dict[int, dict[str, Any]] = {}
    for size, entry in entries:
        tier = _tier(positive_int(size), table(entry), notes, where)
        if tier is not None:
            # Two tiers at one threshold: the first stands (thresholds must increase).
            by_threshold.setdefault(tier["above_input_tokens"], tier)
    return [by_threshold[threshold] for threshold in sorted(by_threshold)]


def _tier(
    threshold: int | None, entry: dict[str, Any], notes: Notes, where: str
) -> dict[str, Any] | None:
    if threshold is None:
        notes.warn(where, "W516", "a cost tier that is not by context size: left out")
        return None
    tier: dict[str, Any] = {"above_input_tokens": threshold}
    for source, key in _TIER_PRICES:
        value = _optional_price(entry, source, f"the cost tier's {source}", notes, where)
        if value is not None:
            tier[key] = value
    if "input_per_million" not in tier or "output_per_million" not in tier:
        notes.warn(
            where,
            "W516",
            f"the cost tier above {threshold:,} has no input or output price: left out",
        )
        return None
    return tier
