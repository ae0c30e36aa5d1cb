"""The subcommands that compile the registry, once their arguments are parsed (see
codegen/cli.py): ``validate`` checks it, ``generate`` writes what it compiles to (skipping the
compile when its stamp says nothing changed), ``check`` fails when the committed output differs.

They follow the contract of codegen/command_base.py. The heavy stages are imported inside the
command that needs them.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from llm_registry.codegen.command_base import (
    EXIT_INVALID,
    EXIT_OK,
    Paths,
    Stop,
    UsageError,
    locate,
)
from llm_registry.codegen.diagnostics import CompileError, Diagnostic
from llm_registry.codegen.reporting import Reporter, shown

if TYPE_CHECKING:
    from llm_registry.codegen.targets import TargetTree
    from llm_registry.codegen.validate import Registry

SCHEMA_FILE = "provider.schema.json"


def _strict(args: argparse.Namespace, paths: Paths) -> bool:
    """--strict, or ``strict = true`` in [tool.llm-registry] when the registry is the one that
    table configures (a registry elsewhere, named by --registry, is not bound by it)."""
    if getattr(args, "strict", False):
        return True
    configured = paths.project.registry.resolve() == paths.registry.resolve()
    return paths.project.strict and configured


def _report_validation(registry: Registry, reporter: Reporter, *, strict: bool) -> bool:
    """Report errors and plausibility warnings (as errors when strict); whether the run
    fails."""
    reporter.report(registry.diagnostics)
    reporter.silenced += registry.silenced
    reporter.report(registry.warnings, severity="error" if strict else None)
    if strict and registry.warnings and not registry.diagnostics:
        count = len(registry.warnings)
        reporter.note(f"strict: {count} plausibility warning(s) fail this run")
    return bool(registry.diagnostics) or (strict and bool(registry.warnings))


def validate(args: argparse.Namespace, reporter: Reporter) -> int:
    from llm_registry.codegen.validate import validate_registry

    paths = locate(args, reporter)
    registry = validate_registry(paths.registry)
    if _report_validation(registry, reporter, strict=_strict(args, paths)):
        return EXIT_INVALID
    models = sum(len(descriptor.value["default_models"]) for descriptor in registry.descriptors)
    providers = len(registry.descriptors)
    reporter.note(f"{paths.registry}: {providers} providers, {models} models: valid")
    return EXIT_OK


def _compile(paths: Paths, reporter: Reporter, *, strict: bool) -> list[TargetTree]:
    """The trees of every configured target (see codegen/targets.py), reporting the
    validation's errors and warnings; Stop when it fails."""
    from llm_registry.codegen.pipeline import render_targets
    from llm_registry.codegen.targets import plan_trees
    from llm_registry.codegen.validate import validate_registry

    folders = target_folders(paths)
    registry = validate_registry(paths.registry)
    if _report_validation(registry, reporter, strict=strict):
        raise Stop(EXIT_INVALID)
    try:
        compiled = render_targets(registry, tuple(folders))
    except CompileError as error:
        reporter.report(error.diagnostics)
        raise Stop(EXIT_INVALID) from None
    return plan_trees(compiled, folders)


def target_folders(paths: Paths) -> dict[str, Path]:
    """Each configured target's folder (the TypeScript one follows --out unless configured)."""
    from llm_registry.codegen.targets import target_folders as folders_of

    project = paths.project
    return folders_of(project.targets, paths.out, project.typescript_folder(paths.out))


def _inputs(paths: Paths) -> str | None:
    """What generate reads, for the stamp: the registry and the compiler (see stamp.py), and
    which targets go where (the built-in phrasings too: the TypeScript target holds them)."""
    import hashlib

    from llm_registry.codegen import stamp

    inputs = stamp.inputs_fingerprint(paths.registry)
    if inputs is None:
        return None
    settings = [inputs, *(f"{target}={folder}" for target, folder in target_folders(paths).items())]
    if "typescript" in paths.project.targets:
        from llm_registry.runtime._context import BUILTIN_CONTEXT_LIMIT_PATTERNS

        settings.extend(BUILTIN_CONTEXT_LIMIT_PATTERNS)
    return hashlib.sha256("\0".join(settings).encode()).hexdigest()


def _unchanged(paths: Paths, inputs: str | None) -> list[tuple[Path, int]] | None:
    """Each folder generate writes with its file count, when generate would change none."""
    from llm_registry.codegen import stamp

    if inputs is None:
        return None
    counts = []
    for folder in _outer_folders(paths):
        unchanged = stamp.unchanged_outputs(folder, inputs)
        if unchanged is None:
            return None
        counts.append((folder, unchanged))
    return counts


def _outer_folders(paths: Paths) -> list[Path]:
    """The folders generate writes whole (a target inside another's folder is in its tree)."""
    folders = list(target_folders(paths).values())
    return [f for f in folders if not any(f != o and f.is_relative_to(o) for o in folders)]


def generate(args: argparse.Namespace, reporter: Reporter) -> int:
    from llm_registry.codegen import stamp
    from llm_registry.codegen.writer import MARKER_FILES, may_replace, write_tree

    paths = locate(args, reporter)
    for target, folder in target_folders(paths).items():
        if not may_replace(folder, MARKER_FILES[target]):
            what = (
                "it is not a folder" if not folder.is_dir() else "it is not empty and not generated"
            )
            raise UsageError(
                f"refusing to write {shown(folder)}: {what} (generate replaces its output folder "
                "whole; choose a new or empty one)"
            )
    strict = _strict(args, paths)
    inputs = _inputs(paths)
    if inputs is not None and strict:
        # Output stamped by a lenient run may come from a registry with warnings: a strict
        # run only skips the compile after a strict run wrote the output.
        inputs += ":strict"
    unchanged = _unchanged(paths, inputs)
    if unchanged is not None:
        for folder, files in unchanged:
            reporter.note(
                f"{shown(folder)}: 0 written, 0 removed, {files} unchanged (inputs unchanged)"
            )
        return EXIT_OK
    try:
        trees = _compile(paths, reporter, strict=strict)
    except Stop:
        reporter.note("generated output left untouched")
        raise
    for tree in trees:
        try:
            summary = write_tree(tree.folder, tree.files)
        except OSError as error:
            raise UsageError(
                f"cannot write {shown(tree.folder)}: {error.strerror or error}"
            ) from error
        if inputs is not None:
            stamp.record(tree.folder, inputs)
        counts = f"{len(summary.written)} written, {len(summary.removed)} removed"
        reporter.note(f"{shown(tree.folder)}: {counts}, {summary.unchanged} unchanged")
    return EXIT_OK


def check(args: argparse.Namespace, reporter: Reporter) -> int:
    from llm_registry.codegen.writer import read_tree

    paths = locate(args, reporter)
    reporter.report(schema_copy_warnings(paths.registry))
    stale: list[Path] = []
    counts: list[str] = []
    # The diff is for people; in JSON Lines stdout stays machine-readable.
    diff_stream = sys.stderr if reporter.error_format == "json" else sys.stdout
    for tree in _compile(paths, reporter, strict=_strict(args, paths)):
        committed = read_tree(tree.folder) if tree.folder.is_dir() else {}
        for path in sorted(tree.files.keys() | committed.keys()):
            if tree.files.get(path) != committed.get(path):
                name = f"{shown(tree.folder)}/{path}"
                _print_diff(name, committed.get(path), tree.files.get(path), diff_stream)
                stale.append(tree.folder / path)
        counts.append(f"{shown(tree.folder)}: up to date ({len(tree.files)} files)")
    if stale:
        reporter.report([_stale_output(stale)])
        return EXIT_INVALID
    for line in counts:
        reporter.note(line)
    return EXIT_OK


def _stale_output(stale: list[Path]) -> Diagnostic:
    """E401 on the first file that differs; the message lists the others."""
    first, others = stale[0], stale[1:]
    message = "differs from what the registry compiles to; run `llm-registry generate`"
    if others:
        listed = ", ".join(shown(path) for path in others[:10])
        listed += f" and {len(others) - 10} more" if others[10:] else ""
        message += f" ({len(others)} other file(s) differ too: {listed})"
    return Diagnostic(shown(first), 0, 0, "E401", message)


def schema_copy_warnings(registry: Path) -> list[Diagnostic]:
    """W402 when the registry holds a copy of the schema (as init writes) that is stale."""
    from llm_registry.codegen.schema import schema_text

    copy = registry / SCHEMA_FILE
    try:
        text: str | None = copy.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError):
        text = None
    if text == schema_text():
        return []
    message = (
        "this copy of the descriptor schema differs from llm-registry's own; "
        f"refresh it with `llm-registry schema --out {copy}`"
    )
    return [Diagnostic(str(copy), 0, 0, "W402", message)]


def _print_diff(name: str, old: bytes | None, new: bytes | None, stream: TextIO) -> None:
    import difflib

    def lines(data: bytes | None) -> list[str]:
        if data is None:
            return []
        return data.decode("utf-8", errors="replace").splitlines(keepends=True)

    diff = difflib.unified_diff(
        lines(old),
        lines(new),
        fromfile=name if old is not None else "/dev/null",
        tofile=name if new is not None else "/dev/null",
    )
    stream.writelines(line if line.endswith("\n") else line + "\n" for line in diff)
