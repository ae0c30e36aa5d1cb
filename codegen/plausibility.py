"""Plausibility warnings (W0xx): values the schema allows but that are probably mistakes, such
as swapped cache prices or an output limit copied from the context window.

Nothing fails on them unless the run is strict (``--strict``, or ``strict = true`` in
``[tool.llm-registry]``). A descriptor that is right although it looks wrong says so, with a
reason, in ``silence: [{code, reason}]``: at its top level for the whole file, or in one
model. Silenced warnings are only counted.

Also here, because they read the same fields: the errors of ``replaced_by`` (E320-E322) and of
a silence naming no plausibility warning (E323). Written defensively, like registry_rules:
the value may have any shape.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from llm_registry.codegen.diagnostics import Diagnostic
from llm_registry.codegen.model_rules import model_status
from llm_registry.codegen.plausibility_models import Finding, model_warnings
from llm_registry.codegen.urls import is_loopback_host
from llm_registry.codegen.yaml_loader import JsonPath, LoadedDocument

__all__ = ["PLAUSIBILITY_CODES", "Plausibility", "check_plausibility"]

PLAUSIBILITY_CODES = ("W001", "W002", "W003", "W004", "W005", "W006", "W007", "W008")


@dataclass
class Plausibility:
    """One descriptor's warnings (silenced ones left out and counted) and errors."""

    warnings: list[Diagnostic] = field(default_factory=list)
    errors: list[Diagnostic] = field(default_factory=list)
    silenced: int = 0


def check_plausibility(document: LoadedDocument) -> Plausibility:
    value = document.value
    result = Plausibility()
    listed = value.get("default_models")
    models = [
        (index, model)
        for index, model in enumerate(listed if isinstance(listed, list) else [])
        if isinstance(model, dict)
    ]
    file_silences = _silence_codes(value.get("silence"))
    model_silences = {index: _silence_codes(model.get("silence")) for index, model in models}
    for (index, _), (path, code, message) in _warnings(models, _is_paid(value)):
        if code in file_silences or code in model_silences[index]:
            result.silenced += 1
            continue
        position = document.position_of(path)
        result.warnings.append(
            Diagnostic(document.path, position.line, position.column, code, message)
        )
    silence_lists: list[tuple[JsonPath, Any]] = [(("silence",), value.get("silence"))]
    silence_lists.extend(
        (("default_models", index, "silence"), model.get("silence")) for index, model in models
    )
    problems = [*_unknown_silences(silence_lists), *_replacement_errors(models)]
    for path, code, message in problems:
        position = document.position_of(path)
        result.errors.append(
            Diagnostic(document.path, position.line, position.column, code, message)
        )
    return result


def _warnings(
    models: list[tuple[int, dict[str, Any]]], paid: bool
) -> Iterator[tuple[tuple[int, dict[str, Any]], Finding]]:
    first_named: dict[str, str] = {}
    for index, model in models:
        path: JsonPath = ("default_models", index)
        for finding in model_warnings(path, model, paid=paid):
            yield (index, model), finding
        name, model_id = model.get("display_name"), model.get("id")
        if isinstance(name, str) and isinstance(model_id, str):
            owner = first_named.setdefault(name, model_id)
            if owner != model_id:
                message = (
                    f"display name {name!r} is also model {owner!r}'s: users cannot tell the "
                    "two apart in a picker"
                )
                yield (index, model), ((*path, "display_name"), "W007", message)


def _is_paid(descriptor: dict[str, Any]) -> bool:
    """Paid: it needs a key and is not a server on this machine (a keyless provider is a
    local server, or free)."""
    if not isinstance(descriptor.get("api_key"), dict):
        return False
    base_url = descriptor.get("base_url")
    try:
        host = urlsplit(base_url).hostname if isinstance(base_url, str) else None
    except ValueError:
        host = None
    return host is None or not is_loopback_host(host)


def _silence_codes(silences: Any) -> set[str]:
    """The codes a ``silence`` list turns off (the schema requires each entry's reason)."""
    entries = silences if isinstance(silences, list) else []
    return {entry["code"] for entry in entries if isinstance(entry, dict) and "code" in entry}


def _unknown_silences(silence_lists: list[tuple[JsonPath, Any]]) -> Iterator[Finding]:
    """E323 for a silence naming a W0xx code that is no plausibility warning."""
    for path, silences in silence_lists:
        for index, entry in enumerate(silences if isinstance(silences, list) else []):
            code = entry.get("code") if isinstance(entry, dict) else None
            # A code of another shape is the schema's to refuse (E204), not repeated here.
            shaped = isinstance(code, str) and len(code) == 4 and code.startswith("W0")
            if shaped and code not in PLAUSIBILITY_CODES:
                message = (
                    f"silence names {code}, which is no plausibility warning "
                    f"(they are {', '.join(PLAUSIBILITY_CODES)})"
                )
                yield (*path, index, "code"), "E323", message


def _replacement_errors(models: list[tuple[int, dict[str, Any]]]) -> Iterator[Finding]:
    """replaced_by names another model of this provider, the chain of replacements ends, and
    it ends at a model in service."""
    by_id = {model["id"]: model for _, model in models if isinstance(model.get("id"), str)}
    for index, model in models:
        target = model.get("replaced_by")
        if not isinstance(target, str):
            continue
        path: JsonPath = ("default_models", index, "replaced_by")
        if target not in by_id:
            yield path, "E320", f"replaced_by {target!r} is not a model of this provider"
            continue
        seen = [model.get("id")]
        current: Any = target
        while isinstance(current, str) and current in by_id and current not in seen:
            seen.append(current)
            current = by_id[current].get("replaced_by")
        if current in seen:
            chain = " -> ".join(map(str, [*seen, current]))
            yield path, "E321", f"replaced_by goes round in a loop: {chain}"
        elif current is None and model_status(by_id[seen[-1]]) != "active":
            message = (
                f"replaced_by leads to {seen[-1]!r}, which is {model_status(by_id[seen[-1]])} "
                "with no replacement of its own: name the model that replaces it"
            )
            yield path, "E322", message
