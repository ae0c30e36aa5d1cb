"""``llm-registry sync PROVIDER``: a descriptor's models against the provider's live listing.

The listing is fetched with the runtime's discovery (its dialects, bounds and key handling; the
key comes from the usual resolution and is never shown). Models the listing has and the
descriptor lacks are proposed as new entries, with what the listing says; a value it does not
say is a default marked ``# review:``. Models the descriptor has and the listing lacks are
marked ``deprecated: true``, never deleted. The proposal is a unified diff on stdout;
``--write`` applies it, comments and key order kept (ruamel.yaml's round-trip mode), after
validating the registry as it would be. A listing holding fewer than half the descriptor's
models deprecates nothing without ``--force``: an outage or a narrowed key looks like that.
"""

from __future__ import annotations

import argparse
import asyncio
import difflib
import io
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llm_registry.codegen.command_base import EXIT_INVALID, EXIT_OK, UsageError, locate
from llm_registry.codegen.model_rules import model_status
from llm_registry.codegen.reporting import Reporter

if TYPE_CHECKING:
    from llm_registry.runtime._discovery.dialects import ListedModel

__all__ = ["SyncPlan", "plan_sync", "sync"]

# What a new entry holds when the listing does not say (each marked for review).
DEFAULT_CONTEXT_WINDOW = 128000
DEFAULT_MAX_OUTPUT_TOKENS = 8192
DEFAULT_ATTACHMENTS = ("text",)
# Where a model entry's keys start: "  - id: …" puts them four columns in.
_ENTRY_INDENT = 4


@dataclass(frozen=True)
class SyncPlan:
    """What a sync would change: the new text, and the model ids it adds and deprecates."""

    text: str
    added: tuple[str, ...]
    deprecated: tuple[str, ...]
    refused_shrink: bool  # deprecations were held back by the shrink guard


def _yaml() -> Any:
    from ruamel.yaml import YAML

    yaml = YAML()  # round-trip: comments, key order and quoting are kept
    yaml.preserve_quotes = True
    yaml.width = 100_000  # never fold a long line the author wrote on one
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.representer.add_representer(
        type(None), lambda rep, _: rep.represent_scalar("tag:yaml.org,2002:null", "null")
    )
    return yaml


def _new_entry(item: ListedModel) -> Any:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    entry = CommentedMap()
    review: dict[str, str] = {}
    entry["id"] = item.model_id
    entry["display_name"] = item.display_name or item.model_id
    if not item.display_name:
        review["display_name"] = "review: display name from the model id"
    context = item.context_window or DEFAULT_CONTEXT_WINDOW
    entry["context_window"] = context
    if not item.context_window:
        review["context_window"] = "review: context window not in the listing (default)"
    output = item.max_output_tokens or min(DEFAULT_MAX_OUTPUT_TOKENS, context)
    entry["max_output_tokens"] = min(output, context)
    if not item.max_output_tokens:
        review["max_output_tokens"] = "review: output limit not in the listing (default)"
    attachments = CommentedSeq(item.attachments or DEFAULT_ATTACHMENTS)
    attachments.fa.set_flow_style()
    entry["attachments"] = attachments
    if not item.attachments:
        review["attachments"] = "review: attachments not in the listing (default)"
    if item.supports_tools is not None:
        entry["tools"] = item.supports_tools
    for key, comment in review.items():
        # Two spaces after the value, as the rest of the registry writes its comments.
        value = entry[key]
        shown = f"[{', '.join(value)}]" if key == "attachments" else str(value)
        entry.yaml_add_eol_comment(
            comment, key, column=_ENTRY_INDENT + len(key) + 2 + len(shown) + 2
        )
    return entry


def plan_sync(text: str, listed: tuple[ListedModel, ...], *, force: bool) -> SyncPlan:
    """The descriptor ``text`` brought in line with the listing ``listed``."""
    yaml = _yaml()
    document = yaml.load(text)
    models = document.get("default_models")
    if models is None:
        raise UsageError("the descriptor has no default_models list to sync")
    known = {str(model.get("id")) for model in models}
    listed_ids = {item.model_id for item in listed}
    added = [item for item in listed if item.model_id not in known]
    missing = [
        model
        for model in models
        if str(model.get("id")) not in listed_ids and model_status(model) == "active"
    ]
    refused = bool(missing) and len(listed) * 2 < len(models) and not force
    for item in added:
        models.append(_new_entry(item))
    if not refused:
        for model in missing:
            # A model with a status is deprecated there: deprecated: true beside its
            # status: active would contradict it (E341).
            if "status" in model:
                model["status"] = "deprecated"
            else:
                model["deprecated"] = True
    out = io.StringIO()
    yaml.dump(document, out)
    deprecated = () if refused else tuple(str(model.get("id")) for model in missing)
    return SyncPlan(out.getvalue(), tuple(i.model_id for i in added), deprecated, refused)


def _listing(value: dict[str, Any], base_url: str | None) -> tuple[ListedModel, ...]:
    """The provider's live listing; a ProviderError says why not, in one key-free line."""
    from llm_registry.curated.descriptor import ApiKey, Discovery, ProviderDescriptor
    from llm_registry.runtime._discovery.fetch import fetch_listing
    from llm_registry.runtime._keys import resolve_api_key

    key = value.get("api_key")
    descriptor = ProviderDescriptor(
        id=value["id"],
        display_name=value["display_name"],
        base_url=value["base_url"],
        implementation=value["implementation"],
        api_key=ApiKey(**key) if isinstance(key, dict) else None,
        context_limit_patterns=tuple(value["context_limit_patterns"]),
        discovery=Discovery(**value["discovery"]),
        default_models=(),
        headers=value.get("headers"),
    )
    if descriptor.discovery.dialect == "none":
        raise UsageError(f"{descriptor.id} has no model listing (discovery dialect: none)")
    api_key = resolve_api_key(descriptor)
    if descriptor.api_key is not None and api_key is None:
        raise UsageError(f"no API key: set {descriptor.api_key.env}")
    listing = asyncio.run(
        fetch_listing(descriptor, base_url or descriptor.base_url, api_key, timeout=30)
    )
    return listing.models


def _problems_after(registry: Path, relative: Path, text: str) -> list[Any]:
    """Every diagnostic of the registry as it would be with ``text`` at ``relative``."""
    from llm_registry.codegen.validate import validate_registry

    with tempfile.TemporaryDirectory(prefix="llm-registry-sync-") as scratch:
        copy = Path(scratch) / "registry"
        shutil.copytree(registry, copy, symlinks=True)
        (copy / relative).write_text(text, encoding="utf-8")
        return validate_registry(copy).diagnostics


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def sync(args: argparse.Namespace, reporter: Reporter) -> int:
    from llm_registry.codegen.yaml_loader import load_descriptor
    from llm_registry.runtime._errors import ProviderError

    paths = locate(args, reporter)
    relative = Path("providers") / f"{args.provider}.yaml"
    path = paths.registry / relative
    if not path.is_file():
        raise UsageError(f"no descriptor {path}")
    text = path.read_text(encoding="utf-8")
    document, problems = load_descriptor(text.encode(), str(path))
    if document is None or problems:
        reporter.report(problems, to_stderr=True)
        return EXIT_INVALID
    try:
        listed = _listing(document.value, args.base_url)
    except ProviderError as error:
        reporter.note(f"error: {args.provider}: {error}")
        return EXIT_INVALID
    plan = plan_sync(text, listed, force=args.force)
    if plan.refused_shrink:
        reporter.note(
            f"error: the listing holds {len(listed)} models, fewer than half the descriptor's: "
            "refusing to deprecate models (an outage or a narrowed key looks like this); "
            "pass --force to deprecate them anyway"
        )
        return EXIT_INVALID
    diff = "".join(
        difflib.unified_diff(
            text.splitlines(keepends=True),
            plan.text.splitlines(keepends=True),
            fromfile=f"a/{relative.as_posix()}",
            tofile=f"b/{relative.as_posix()}",
        )
    )
    sys.stdout.write(diff)
    summary = f"{args.provider}: {len(plan.added)} added, {len(plan.deprecated)} deprecated"
    if not args.write or not diff:
        reporter.note(summary + ("" if diff else " (up to date)"))
        return EXIT_OK
    after = _problems_after(paths.registry, relative, plan.text)
    if after:
        reporter.report(after, to_stderr=True)
        reporter.note(f"error: not written: {path} would not validate")
        return EXIT_INVALID
    _write_atomically(path, plan.text)
    reporter.note(f"{summary}; written to {path}")
    return EXIT_OK
