"""The subcommands that help write a registry rather than compile it: ``schema`` and ``init``
start one, ``import-models-dev`` fills one from the models.dev catalogue, ``breaking`` reviews a
change to one. Each hands its work to a stage of its own, imported when the command runs.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from llm_registry.codegen.command_base import EXIT_INVALID, EXIT_OK, UsageError, locate
from llm_registry.codegen.reporting import Reporter, shown


def schema(args: argparse.Namespace, reporter: Reporter) -> int:
    from llm_registry.codegen.schema import schema_text

    if not args.out:
        sys.stdout.write(schema_text())
        return EXIT_OK
    target = Path(args.out)
    try:
        target.write_text(schema_text(), encoding="utf-8")
    except OSError as error:
        raise UsageError(f"cannot write {shown(target)}: {error.strerror or error}") from error
    reporter.note(f"wrote {shown(target)}")
    return EXIT_OK


def init(args: argparse.Namespace, reporter: Reporter) -> int:
    from llm_registry.codegen import scaffold

    if args.package and not all(part.isidentifier() for part in args.package.split(".")):
        raise UsageError(f"--package {args.package!r} is not an import name")
    try:
        plan = scaffold.plan(args.registry, args.out, args.package)
        written = scaffold.write(plan)
    except scaffold.ScaffoldError as error:
        raise UsageError(str(error)) from error
    except OSError as error:
        raise UsageError(f"cannot write {error.filename}: {error.strerror}") from error
    for path in written:
        print(f"wrote {shown(path)}")
    print("next:")
    print("  llm-registry generate   # compile the registry into " + shown(plan.out))
    print("  llm-registry check      # in CI: fail when that output is out of date")
    return EXIT_OK


def import_models_dev(args: argparse.Namespace, reporter: Reporter) -> int:
    from llm_registry.codegen.importer import ImporterError
    from llm_registry.codegen.importer import import_models_dev as run_import

    source = Path(args.source)
    if not (source / "providers").is_dir():
        raise UsageError(f"{shown(source)} is not a models.dev checkout: it has no providers/")
    try:
        result = run_import(source, Path(args.out), progress=reporter.note)
    except ImporterError as error:
        raise UsageError(str(error)) from error
    prefix = shown(source)
    reporter.report(
        replace(diagnostic, path=f"{prefix}/{diagnostic.path}") for diagnostic in result.diagnostics
    )
    written = shown(Path(args.out))
    reporter.report(
        replace(diagnostic, path=f"{written}/{diagnostic.path}")
        for diagnostic in result.plausibility
    )
    summary = result.summary()
    if reporter.error_format == "json":
        reporter.note(summary)
    else:
        print(summary)
    return EXIT_OK


def breaking(args: argparse.Namespace, reporter: Reporter) -> int:
    from llm_registry.codegen.breaking_allow import parse_allow_option
    from llm_registry.codegen.breaking_git import RefError
    from llm_registry.codegen.breaking_run import against_dir, against_ref

    try:
        allowances = parse_allow_option(args.allow or [])
    except ValueError as error:
        raise UsageError(str(error)) from error
    paths = locate(args, reporter)
    if args.against_dir is not None:
        other = Path(args.against_dir)
        if not (other / "providers").is_dir():
            raise UsageError(f"--against-dir {shown(other)}: not a registry (no providers/ folder)")
        report = against_dir(paths.registry, Path(shown(other)), allowances)
    else:
        try:
            report = against_ref(paths.registry, args.against, allowances)
        except RefError as error:
            raise UsageError(str(error)) from error
    reporter.report(report.unreadable)
    reporter.report(report.allowed, severity="note")
    reporter.report(report.failures)
    allowed = f", {len(report.allowed)} allowed" if report.allowed else ""
    if report.failures:
        reporter.note(f"{paths.registry}: breaking changes against {report.against}{allowed}")
        return EXIT_INVALID
    reporter.note(f"{paths.registry}: no breaking changes against {report.against}{allowed}")
    return EXIT_OK
