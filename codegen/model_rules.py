"""Rules over one model's prices and lifecycle that the schema cannot express: price tiers
with strictly increasing thresholds (E340), ``deprecated`` agreeing with ``status`` (E341) and
``since`` a real calendar date (E342). Written defensively: the model may have any shape.

Whether ``replaced_by`` names a model, ends, and ends in service is checked with the
plausibility warnings that read the same fields (E320-E322, codegen/plausibility.py).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    # Only for annotations: sync and breaking import this module, and the CLI's --help must
    # not need the compiler's YAML library.
    from llm_registry.codegen.yaml_loader import JsonPath

    Problem = tuple[JsonPath, str, str]
    """(where in the descriptor, code, message)."""

__all__ = ["model_status", "price_and_lifecycle_problems"]


def model_status(model: dict[str, Any]) -> str:
    """active, deprecated or retired: ``status`` when given, else ``deprecated: true`` read as
    status deprecated (registries written before ``status`` existed)."""
    status = model.get("status")
    if isinstance(status, str):
        return status
    return "deprecated" if model.get("deprecated") is True else "active"


def price_and_lifecycle_problems(path: JsonPath, model: dict[str, Any]) -> Iterator[Problem]:
    pricing = model.get("pricing")
    if isinstance(pricing, dict) and isinstance(pricing.get("tiers"), list):
        yield from _tier_problems((*path, "pricing", "tiers"), pricing["tiers"])
    yield from _lifecycle_problems(path, model)


def _tier_problems(path: JsonPath, tiers: list[Any]) -> Iterator[Problem]:
    previous: int | None = None
    for index, tier in enumerate(tiers):
        threshold = tier.get("above_input_tokens") if isinstance(tier, dict) else None
        # type() rather than isinstance: a YAML `true` is a bool, which isinstance calls an int.
        if type(threshold) is not int:
            continue
        if previous is not None and threshold <= previous:
            message = (
                f"tier above {threshold:,} input tokens follows one above {previous:,}: "
                "thresholds must increase strictly, each tier above the last"
            )
            yield (*path, index, "above_input_tokens"), "E340", message
        previous = threshold


def _lifecycle_problems(path: JsonPath, model: dict[str, Any]) -> Iterator[Problem]:
    status, deprecated = model.get("status"), model.get("deprecated")
    if isinstance(status, str) and isinstance(deprecated, bool):
        if deprecated and status == "active":
            message = "deprecated: true contradicts status: active; keep only status"
            yield (*path, "deprecated"), "E341", message
        elif not deprecated and status in ("deprecated", "retired"):
            message = f"deprecated: false contradicts status: {status}; keep only status"
            yield (*path, "deprecated"), "E341", message
    since = model.get("since")
    if isinstance(since, str) and len(since) == 10:
        try:
            datetime.date.fromisoformat(since)
        except ValueError:
            yield (*path, "since"), "E342", f"since {since!r} is not a calendar date (YYYY-MM-DD)"
