"""The plausibility warnings one model can raise alone (W001-W006, W008): prices, sizes and
deprecation. See codegen/plausibility.py for how they are reported and silenced."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from llm_registry.codegen.model_rules import model_status
from llm_registry.codegen.yaml_loader import JsonPath

__all__ = ["Finding", "model_warnings"]

Finding = tuple[JsonPath, str, str]
"""(where in the descriptor, code, message)."""

SMALLEST_CONTEXT = 1_000
LARGEST_CONTEXT = 10_000_000


def _number(value: Any) -> float | None:
    # type() rather than isinstance: a YAML `true` is a bool, which isinstance calls an int.
    return float(value) if type(value) in (int, float) else None


def model_warnings(path: JsonPath, model: dict[str, Any], *, paid: bool) -> Iterator[Finding]:
    yield from _price_warnings(path, model, paid=paid)
    yield from _size_warnings(path, model)
    if model_status(model) == "deprecated" and model.get("replaced_by") is None:
        message = (
            f"model {model.get('id')!r} is deprecated without replaced_by: name the model of "
            "this provider that replaces it, so apps can offer the move"
        )
        where = "deprecated" if "deprecated" in model and "status" not in model else "status"
        yield (*path, where), "W008", message


def _price_warnings(path: JsonPath, model: dict[str, Any], *, paid: bool) -> Iterator[Finding]:
    pricing = model.get("pricing")
    if not isinstance(pricing, dict):
        if paid and pricing is None:
            message = (
                f"model {model.get('id')!r} of a provider that needs a key has no pricing: "
                "apps cannot show or estimate its cost"
            )
            yield (*path, "id"), "W006", message
        return
    here: JsonPath = (*path, "pricing")
    prompt = _number(pricing.get("input_per_million"))
    completion = _number(pricing.get("output_per_million"))
    read = _number(pricing.get("cache_read_per_million"))
    write = _number(pricing.get("cache_write_per_million"))
    if prompt is None:
        return
    if read is not None and read > prompt:
        message = (
            f"cache reads cost more ({read:g}) than uncached input ({prompt:g}) per million: "
            "a cache read is a discount on input"
        )
        yield (*here, "cache_read_per_million"), "W001", message
    if write is not None and read == 0 and write < prompt:
        message = (
            f"cache writes cost less ({write:g}) than input ({prompt:g}) while cache reads are "
            "free: the read and write prices look swapped"
        )
        yield (*here, "cache_write_per_million"), "W002", message
    if completion is not None and completion < prompt / 10:
        message = (
            f"output costs less than a tenth of input ({completion:g} vs {prompt:g} per "
            "million): input and output prices look swapped or mistyped"
        )
        yield (*here, "output_per_million"), "W003", message


def _size_warnings(path: JsonPath, model: dict[str, Any]) -> Iterator[Finding]:
    context = model.get("context_window")
    output = model.get("max_output_tokens")
    if type(context) is not int:
        return
    if not SMALLEST_CONTEXT <= context <= LARGEST_CONTEXT:
        message = (
            f"context window of {context:,} tokens is outside the plausible "
            f"{SMALLEST_CONTEXT:,}-{LARGEST_CONTEXT:,}: a digit too many or too few?"
        )
        yield (*path, "context_window"), "W004", message
    if type(output) is int and output == context:
        # The schema has no completion-only models: every model here is a chat model, whose
        # prompt needs room in the window too.
        message = (
            f"max_output_tokens equals the context window ({context:,}) on a chat model, "
            "leaving no room for the prompt: usually the window copied into the output limit"
        )
        yield (*path, "max_output_tokens"), "W005", message
