"""Breaking changes between two versions of a registry (B0xx): what an app built on the old
generated package would lose or see change under it.

Both sides are loaded with the compiler's own YAML loader, which knows where every value is:
a break is reported at its place in the new file, or, for what was removed, at the line it
had in the old file (the message says so). The comparison is written defensively: a side
that breaks the schema is compared as far as its values allow, never with a traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from llm_registry.codegen.diagnostics import Diagnostic
from llm_registry.codegen.model_rules import model_status
from llm_registry.codegen.yaml_loader import JsonPath, LoadedDocument

__all__ = ["Break", "compare_descriptors"]


@dataclass(frozen=True)
class Break:
    """One breaking change: its diagnostic and what an allowance matches it by."""

    provider: str
    model: str | None
    diagnostic: Diagnostic


class _Pair:
    """One provider's descriptor at the old side (``ref`` names it) and the new side."""

    def __init__(self, provider: str, old: LoadedDocument, new: LoadedDocument, ref: str):
        self.provider, self.old, self.new, self.ref = provider, old, new, ref

    def at_new(self, path: JsonPath, code: str, message: str, model: str | None = None) -> Break:
        position = self.new.position_of(path)
        diagnostic = Diagnostic(self.new.path, position.line, position.column, code, message)
        return Break(self.provider, model, diagnostic)

    def at_old(self, path: JsonPath, code: str, message: str, model: str | None = None) -> Break:
        """At the old file's line, under the new file's path: the message says where."""
        position = self.old.position_of(path)
        message += f" [position: line {position.line} at {self.ref}]"
        diagnostic = Diagnostic(self.new.path, position.line, position.column, code, message)
        return Break(self.provider, model, diagnostic)


def compare_descriptors(
    old: dict[str, LoadedDocument], new: dict[str, LoadedDocument], ref: str
) -> list[Break]:
    """Every break from ``old`` to ``new`` (both keyed by file name), in file order."""
    breaks: list[Break] = []
    for name, before in sorted(old.items()):
        after = new.get(name)
        if after is None:
            breaks.append(_provider_removed(name, before, ref))
            continue
        provider = _text(after.value.get("id")) or name.removesuffix(".yaml")
        pair = _Pair(provider, before, after, ref)
        breaks.extend(_provider_changes(pair))
        breaks.extend(_model_changes(pair))
    return breaks


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _provider_removed(name: str, before: LoadedDocument, ref: str) -> Break:
    provider = _text(before.value.get("id")) or name.removesuffix(".yaml")
    position = before.position_of(("id",))
    message = (
        f"provider {provider!r} was removed: apps lose it and every model id "
        f"'{provider}::…' stops resolving [position: line {position.line} at {ref}]"
    )
    return Break(provider, None, Diagnostic(before.path, position.line, 1, "B001", message))


def _provider_changes(pair: _Pair) -> Iterator[Break]:
    old, new = pair.old.value, pair.new.value
    yield from _key_changes(pair)
    for key, code in (("implementation", "B004"), ("provider_class", "B009")):
        if old.get(key) != new.get(key):
            before, after = old.get(key), new.get(key)
            message = f"{key} changed from {before!r} to {after!r}: apps talk to it differently"
            yield pair.at_new((key,) if key in new else ("id",), code, message)
    old_dialect, new_dialect = _dialect(old), _dialect(new)
    if old_dialect != new_dialect:
        message = f"discovery dialect changed from {old_dialect!r} to {new_dialect!r}"
        yield pair.at_new(("discovery", "dialect"), "B005", message)
    old_host, new_host = _host(old.get("base_url")), _host(new.get("base_url"))
    if old_host and new_host and old_host != new_host:
        message = (
            f"base_url moved from host {old_host} to {new_host}: firewalls, proxies and "
            "stored keys scoped to the old host break"
        )
        yield pair.at_new(("base_url",), "B008", message)


def _key_changes(pair: _Pair) -> Iterator[Break]:
    old_key, new_key = pair.old.value.get("api_key"), pair.new.value.get("api_key")
    old_env = old_key.get("env") if isinstance(old_key, dict) else None
    new_env = new_key.get("env") if isinstance(new_key, dict) else None
    if old_key is None and isinstance(new_key, dict):
        message = f"a key is now required (api_key.env {new_env!r}); the provider was keyless"
        yield pair.at_new(("api_key",), "B003", message)
    elif old_env is not None and new_env is not None and old_env != new_env:
        message = (
            f"key variable renamed from {old_env!r} to {new_env!r}: keys users set under the "
            "old name are no longer found"
        )
        yield pair.at_new(("api_key", "env"), "B003", message)


def _dialect(descriptor: dict[str, Any]) -> Any:
    discovery = descriptor.get("discovery")
    return discovery.get("dialect") if isinstance(discovery, dict) else None


def _host(url: Any) -> str | None:
    if not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    host = parts.hostname
    return None if host is None else (f"{host}:{port}" if port is not None else host)


def _models(document: LoadedDocument) -> dict[str, tuple[int, dict[str, Any]]]:
    """Model id -> (index in default_models, the model), first of duplicates."""
    models = document.value.get("default_models")
    found: dict[str, tuple[int, dict[str, Any]]] = {}
    for index, model in enumerate(models if isinstance(models, list) else []):
        if isinstance(model, dict) and isinstance(model.get("id"), str):
            found.setdefault(model["id"], (index, model))
    return found


def _model_changes(pair: _Pair) -> Iterator[Break]:
    new_models = _models(pair.new)
    for model_id, (old_index, old_model) in _models(pair.old).items():
        if model_id not in new_models:
            if model_status(old_model) == "active":
                message = (
                    f"model {model_id!r} was removed without being deprecated first: mark it "
                    "`deprecated: true` (with replaced_by) in one release, remove it in a later one"
                )
                yield pair.at_old(("default_models", old_index, "id"), "B002", message, model_id)
            continue
        new_index, new_model = new_models[model_id]
        yield from _model_field_changes(pair, model_id, old_model, new_model, new_index)


def _model_field_changes(
    pair: _Pair, model_id: str, old: dict[str, Any], new: dict[str, Any], index: int
) -> Iterator[Break]:
    path: JsonPath = ("default_models", index)
    for key, code in (("context_window", "B006"), ("max_output_tokens", "B007")):
        before, after = old.get(key), new.get(key)
        if type(before) is int and type(after) is int and after < before:
            message = f"model {model_id!r}: {key} reduced from {before} to {after}"
            yield pair.at_new((*path, key), code, message, model_id)
    before_kinds, after_kinds = old.get("attachments"), new.get("attachments")
    if isinstance(before_kinds, list) and isinstance(after_kinds, list):
        lost = [kind for kind in before_kinds if kind not in after_kinds]
        if lost:
            message = (
                f"model {model_id!r} no longer accepts attachments: {', '.join(map(str, lost))}"
            )
            yield pair.at_new((*path, "attachments"), "B010", message, model_id)
    if old.get("tools") is True and new.get("tools") is not True:
        message = f"model {model_id!r} no longer supports tool calls"
        yield pair.at_new((*path, "tools"), "B011", message, model_id)
    lost_reasoning = _reasoning_lost(old.get("reasoning"), new.get("reasoning"))
    if lost_reasoning:
        message = f"model {model_id!r}: {lost_reasoning}"
        yield pair.at_new((*path, "reasoning"), "B012", message, model_id)


def _reasoning_lost(old: Any, new: Any) -> str | None:
    """What an app passing the old reasoning options can no longer pass, if anything."""
    if not isinstance(old, dict):
        return None
    if not isinstance(new, dict):
        return "reasoning options removed"
    if old.get("mode") != new.get("mode"):
        return f"reasoning mode changed from {old.get('mode')!r} to {new.get('mode')!r}"
    before, after = old.get("efforts"), new.get("efforts")
    if isinstance(before, list) and isinstance(after, list):
        lost = [effort for effort in before if effort not in after]
        if lost:
            return f"reasoning efforts removed: {', '.join(map(str, lost))}"
    return None
