"""CLI commands for the model database file itself: ``db check`` and ``db repair``.

The runtime's CLI (`_cli`) mounts these through :func:`register`. ``db check`` exits 0 for a
healthy file and 1, with what is wrong, for a damaged one; ``db repair`` backs a damaged file
up beside itself and rebuilds it (see `_store.repair`), printing what it kept and what it lost.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Final

from llm_registry.runtime._cli.package_option import _registry_from_args, add_package_option
from llm_registry.runtime._registry import resolve_registry
from llm_registry.runtime._store.connection import damaged_error
from llm_registry.runtime._store.store import ModelStoreError, default_database_path

if TYPE_CHECKING:
    from llm_registry.runtime._store.repair import RepairReport, TableReport

    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]

__all__ = ["register"]

# How many lost rows a repair names per table.
_NAMED_LOSSES: Final = 10


def register(subparsers: Subparsers) -> None:
    """Add ``db check`` and ``db repair`` to the runtime's CLI."""
    db = subparsers.add_parser(
        "db",
        help="check the model database for damage, or repair it",
        description="db check: look for damage in the model database (exit 0 healthy, 1 "
        "damaged).\ndb repair: back a damaged database up beside itself (<file>.damaged-<UTC "
        "time>), rebuild it from the registry's seed, and carry over every row that can still "
        "be read (your hidden/shown choices, discovered models, the discovery cache). Stop "
        "apps using the database first.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    actions = db.add_subparsers(dest="db_action", metavar="ACTION", required=True)
    check = actions.add_parser("check", help="look for damage (exit 0 healthy, 1 damaged)")
    repair = actions.add_parser("repair", help="back up and rebuild a damaged database")
    for parser, handler in ((check, _check_command), (repair, _repair_command)):
        parser.add_argument(
            "--db",
            metavar="PATH",
            type=Path,
            default=None,
            help="the model database (default: the registry's file in the user data folder)",
        )
        add_package_option(parser)
        parser.set_defaults(handler=handler)


def _database(args: argparse.Namespace) -> Path:
    if args.db is not None:
        return Path(args.db).expanduser()
    return default_database_path(registry=resolve_registry(_registry_from_args(args)))


def _check_command(args: argparse.Namespace) -> int:
    from llm_registry.runtime._store.repair import check_database

    report = check_database(_database(args))
    if not report.healthy:
        raise damaged_error(report.path, "; ".join(report.problems))
    print(f"ok: {report.path} is not damaged")
    return 0


def _repair_command(args: argparse.Namespace) -> int:
    from llm_registry.runtime._store.repair import check_database, repair_database

    registry = resolve_registry(_registry_from_args(args))
    path = _database(args)
    if check_database(path).healthy:
        print(f"ok: {path} is not damaged; nothing to repair")
        return 0
    try:
        seed = registry.seed_sql.read_text(encoding="utf-8")
    except OSError as exc:
        raise ModelStoreError(f"cannot read the registry seed {registry.seed_sql}: {exc}") from None
    _print_report(repair_database(path, registry=registry, seed=seed), registry.package)
    return 0


def _print_report(report: RepairReport, package: str) -> None:
    print(f"backed up the damaged file to {report.backup}")
    print(f"rebuilt {report.path} from the registry {package!r} and what could be read:")
    for table in report.tables:
        print(f"  {_table_line(table)}")
    print(f"  hidden choices kept: {report.hidden_kept}")
    if any(t.table == "models" and t.lost for t in report.tables):
        print(
            "  lost models that are in the registry are back from its seed, without your "
            "hidden/shown choice; lost discovered models come back with the next refresh"
        )


def _table_line(table: TableReport) -> str:
    if table.unreadable is not None:
        return f"{table.table}: nothing could be read ({table.unreadable}), all lost"
    line = f"{table.table}: kept {table.kept}, lost {len(table.lost)}"
    if table.lost:
        named = ", ".join(table.lost[:_NAMED_LOSSES])
        more = len(table.lost) - _NAMED_LOSSES
        line += f" ({named}{f', and {more} more' if more > 0 else ''})"
    return line
