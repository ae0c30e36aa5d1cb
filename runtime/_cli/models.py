"""CLI commands for the model database: ``seed``, ``models`` (``models hide|show``), ``refresh``.

The runtime's CLI (`_cli`) mounts these through :func:`register`; a ProviderError raised by a
handler becomes its one ``error: <kind>: <message>`` line. Each serves the registry named by
``--package`` (default: the curated one).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from llm_registry.runtime._cli.key_variables import skipped_lines
from llm_registry.runtime._cli.package_option import _registry_from_args, add_package_option
from llm_registry.runtime._discovery.refresh import refresh_all, refreshable_providers
from llm_registry.runtime._discovery.service import (
    DEFAULT_TIMEOUT,
    DiscoveryResult,
    discover_models,
)
from llm_registry.runtime._errors import ConfigError
from llm_registry.runtime._registry import (
    Registry,
    get_provider,
    parse_model_id,
)
from llm_registry.runtime._store.store import ModelInfo, ModelStore, default_database_path

if TYPE_CHECKING:
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]

__all__ = ["register", "result_json"]

_VISIBILITY_ACTIONS = ("hide", "show")


def register(subparsers: Subparsers) -> None:
    """Add ``seed``, ``models`` and ``refresh`` to the runtime's CLI."""
    seed = subparsers.add_parser(
        "seed",
        help="create or upgrade the model database from the registry",
        description="Create the model database, or bring it up to date with the registry's "
        "seed.sql. Safe to repeat: it never deletes a model and never touches your "
        "hidden/shown choices.",
    )
    _add_db_option(seed)
    add_package_option(seed)
    seed.set_defaults(handler=_seed_command)

    models = subparsers.add_parser(
        "models",
        help="list a provider's models, or hide/show one",
        description="models PROVIDER: list the provider's models (live listing, cache, or the "
        "registry's defaults; exit 0 whenever a list could be produced).\n"
        "models hide MODEL_ID / models show MODEL_ID: your choice of which models to show.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    models.add_argument("target", metavar="PROVIDER|hide|show", help="a provider id, or hide/show")
    models.add_argument(
        "model_id", nargs="?", metavar="MODEL_ID", help="with hide/show: <provider>::<model>"
    )
    models.add_argument(
        "--refresh", action="store_true", help="ask the provider now even if the cache is fresh"
    )
    models.add_argument(
        "--base-url",
        metavar="URL",
        help="list from this API root instead (cached apart; the database's rows for the "
        "provider are left as they are)",
    )
    _add_db_option(models)
    add_package_option(models)
    _add_timeout_option(models)
    models.add_argument("--json", action="store_true", help="print one JSON object")
    models.set_defaults(handler=_models_command, parser=models)

    refresh = subparsers.add_parser(
        "refresh",
        help="refresh the models of every provider with a key",
        description="List the models of every provider that has an API key (or needs none), "
        "all at once, and store them; one line per provider as each finishes.",
    )
    _add_db_option(refresh)
    add_package_option(refresh)
    _add_timeout_option(refresh)
    refresh.set_defaults(handler=_refresh_command)


def _add_db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        metavar="PATH",
        type=Path,
        default=None,
        help="the model database (default: a file per registry package in the user data folder, "
        f"{default_database_path().parent})",
    )


def _add_timeout_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--timeout",
        metavar="SECONDS",
        type=_positive_seconds,
        default=DEFAULT_TIMEOUT,
        help=f"deadline for each provider's whole listing (default: {DEFAULT_TIMEOUT:g})",
    )


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"must be between 0 and 3600 seconds: {text!r}")
    return value


def _store(args: argparse.Namespace, registry: Registry | None) -> ModelStore:
    # Seeded from the registry served; without --db, each registry has a database of its own.
    return ModelStore(args.db, registry=registry)


# --- seed -----------------------------------------------------------------------------------------


def _seed_command(args: argparse.Namespace) -> int:
    store = _store(args, _registry_from_args(args))
    summary = store.apply_seed()
    print(
        f"seeded {store.path}: {_count(summary.providers, 'provider')}, "
        f"{_count(summary.models, 'model')}"
    )
    return 0


# --- models ---------------------------------------------------------------------------------------


def _models_command(args: argparse.Namespace) -> int:
    parser: argparse.ArgumentParser = args.parser
    if args.target in _VISIBILITY_ACTIONS:
        if args.model_id is None:
            parser.error(f"models {args.target} needs a MODEL_ID (<provider>::<model>)")
        if args.refresh or args.base_url or args.json:
            parser.error(f"models {args.target} takes only MODEL_ID and --db")
        return _set_visibility(args, hidden=args.target == "hide")
    if args.model_id is not None:
        parser.error(
            f"unexpected argument {args.model_id!r}; did you mean `models hide|show MODEL_ID`?"
        )
    registry = _registry_from_args(args)
    descriptor = get_provider(args.target, registry=registry)
    result = asyncio.run(
        discover_models(
            descriptor,
            refresh=args.refresh,
            base_url=args.base_url,
            store=_store(args, registry),
            timeout=args.timeout,
            registry=registry,
        )
    )
    if args.json:
        print(json.dumps(result_json(result), ensure_ascii=False))
    else:
        _print_table(result)
    return 0


def result_json(result: DiscoveryResult) -> dict[str, object]:
    """The ``--json`` object: ``{"provider", "source", "error", "refused", "models"}``."""
    error = result.error
    return {
        "provider": result.provider_id,
        "source": result.source,
        "error": None if error is None else {"kind": error.kind, "message": error.message},
        "refused": result.refused,
        "models": [_model_json(model) for model in result.models],
    }


def _model_json(model: ModelInfo) -> dict[str, object]:
    data = asdict(model)
    data["attachments"] = list(model.attachments)
    return data


def _set_visibility(args: argparse.Namespace, *, hidden: bool) -> int:
    registry = _registry_from_args(args)
    ref = parse_model_id(args.model_id, registry=registry)
    store = _store(args, registry)
    if not store.set_hidden(ref.id, hidden):
        raise ConfigError(
            f"the model database {store.path} has no model {ref.id!r}; list the provider's "
            f"models first (llm-registry models {ref.provider_id} --db {store.path})"
        )
    print(f"{'hidden' if hidden else 'shown'}: {ref.id}")
    return 0


def _print_table(result: DiscoveryResult) -> None:
    header = f"{result.provider_id}: {_count(len(result.models), 'model')} from {result.source}"
    if result.error is not None:
        header += f" ({result.error.kind}: {result.error.message})"
    if result.refused:
        header += (
            f"; {_count(result.refused, 'listing entry')} left out"
            " (no usable model id, or an echo of the key)"
        )
    print(header)
    if not result.models:
        return
    rows = [
        (model.id, model.display_name, _tokens(model.context_window), _flags(model))
        for model in result.models
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for model_id, name, window, flags in rows:
        line = f"  {model_id:<{widths[0]}}  {name:<{widths[1]}}  {window:>{widths[2]}}  {flags}"
        print(line.rstrip())


def _count(number: int, noun: str) -> str:
    """``1 model``, ``2 models``."""
    if number == 1:
        return f"{number} {noun}"
    return f"{number} {noun[:-1]}ies" if noun.endswith("y") else f"{number} {noun}s"


def _tokens(count: int | None) -> str:
    return "-" if count is None else f"{count:,}"


def _flags(model: ModelInfo) -> str:
    flags = [
        name
        for name, on in (
            ("hidden", model.is_hidden),
            ("disabled", not model.is_enabled),
            (_lifecycle(model), model.is_deprecated or model.status != "active"),
            ("internal", model.is_internal),
        )
        if on
    ]
    return ", ".join(flags)


def _lifecycle(model: ModelInfo) -> str:
    """``retired since 2026-01-15, replaced by acme::new``; ``deprecated`` for a model that
    left the registry (still active by its last seed)."""
    text = "deprecated" if model.status == "active" else model.status
    if model.status_since is not None:
        text += f" since {model.status_since}"
    if model.replaced_by is not None:
        text += f", replaced by {model.replaced_by}"
    return text


# --- refresh --------------------------------------------------------------------------------------


def _refresh_command(args: argparse.Namespace) -> int:
    registry = _registry_from_args(args)
    ready, skipped = refreshable_providers(registry=registry)
    store = _store(args, registry)

    def progress(result: DiscoveryResult) -> None:
        line = (
            f"{result.provider_id:<12} {result.source:<8} {len(result.models):>4} "
            f"{'model ' if len(result.models) == 1 else 'models'}"
            f"  {result.elapsed:6.2f} s"
        )
        if result.error is not None:
            line += f"  {result.error.kind}: {result.error.message}"
        print(line, flush=True)

    print(f"refreshing {_count(len(ready), 'provider')} into {store.path}", flush=True)
    asyncio.run(
        refresh_all(
            providers=ready,
            store=store,
            timeout=args.timeout,
            on_result=progress,
            registry=registry,
        )
    )
    for line in skipped_lines(skipped):
        print(line)
    sys.stdout.flush()
    return 0
