"""python -m codegen: validate a provider registry and compile it into generated/.

Exit status: 0 clean, 1 invalid registry or stale output, 2 usage error, 3 internal error.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from llm_registry.codegen.diagnostics import CODES, CompileError, Diagnostic

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_REGISTRY = PROJECT_ROOT / "registry"
DEFAULT_OUT = PROJECT_ROOT / "generated"

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


class UsageError(Exception):
    pass


def _shown(path: Path) -> str:
    """A path as the user would type it: relative to the working directory when inside it."""
    try:
        return os.path.relpath(path) if path.resolve().is_relative_to(Path.cwd()) else str(path)
    except ValueError:
        return str(path)


def _registry_dir(value: str | None) -> Path:
    registry = Path(value) if value else DEFAULT_REGISTRY
    if not (registry / "providers").is_dir():
        raise UsageError(
            f"error[E001]: {_shown(registry)} is not a registry: it has no providers/ folder"
        )
    return Path(_shown(registry))


def _report(diagnostics: Sequence[Diagnostic], error_format: str) -> None:
    for diagnostic in diagnostics:
        if error_format == "json":
            import json

            print(
                json.dumps(
                    {**vars(diagnostic), "name": CODES[diagnostic.code]},
                    ensure_ascii=False,
                )
            )
        elif error_format == "github-actions":
            # Workflow commands: data escapes %, CR and LF; properties also ',' and ':'.
            where = _workflow_escape(diagnostic.path, property_value=True)
            title = _workflow_escape(
                f"{diagnostic.code} {CODES[diagnostic.code]}", property_value=True
            )
            print(
                f"::error file={where},line={max(diagnostic.line, 1)},col={max(diagnostic.column, 1)},"
                f"title={title}::{_workflow_escape(diagnostic.message)}"
            )
        else:
            print(diagnostic.format())
    if diagnostics and error_format == "text":
        files = len({diagnostic.path for diagnostic in diagnostics})
        print(f"{len(diagnostics)} error(s) in {files} file(s)", file=sys.stderr)


def _workflow_escape(text: str, *, property_value: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if property_value else text


def _compile(registry_dir: Path, error_format: str) -> dict[str, bytes] | None:
    from llm_registry.codegen.pipeline import compile_registry

    try:
        return compile_registry(registry_dir)
    except CompileError as error:
        _report(error.diagnostics, error_format)
        return None


def command_validate(args: argparse.Namespace) -> int:
    from llm_registry.codegen.validate import validate_registry

    registry_dir = _registry_dir(args.registry)
    registry = validate_registry(registry_dir)
    _report(registry.diagnostics, args.error_format)
    if registry.diagnostics:
        return EXIT_INVALID
    models = sum(len(descriptor.value["default_models"]) for descriptor in registry.descriptors)
    print(
        f"{_shown(registry_dir)}: {len(registry.descriptors)} providers, {models} models: valid",
        file=sys.stderr,
    )
    return EXIT_OK


def command_generate(args: argparse.Namespace) -> int:
    from llm_registry.codegen import stamp
    from llm_registry.codegen.writer import may_replace, write_tree

    out_dir = Path(args.out) if args.out else DEFAULT_OUT
    if not may_replace(out_dir):
        what = (
            "it is not a folder"
            if not out_dir.is_dir()
            else "it is not empty and was not written by codegen"
        )
        raise UsageError(
            f"refusing to write {_shown(out_dir)}: {what}"
            " (generate replaces its output folder whole; choose a new or empty one)"
        )
    registry_dir = _registry_dir(args.registry)
    inputs = stamp.inputs_fingerprint(registry_dir)
    unchanged = None if inputs is None else stamp.unchanged_outputs(out_dir, inputs)
    if unchanged is not None:
        print(
            f"{_shown(out_dir)}: 0 written, 0 removed, {unchanged} unchanged (inputs unchanged)",
            file=sys.stderr,
        )
        return EXIT_OK

    files = _compile(registry_dir, args.error_format)
    if files is None:
        print("generated output left untouched", file=sys.stderr)
        return EXIT_INVALID
    try:
        summary = write_tree(out_dir, files)
    except OSError as error:
        raise UsageError(f"cannot write {_shown(out_dir)}: {error.strerror or error}") from error
    if inputs is not None:
        stamp.record(out_dir, inputs)
    print(
        f"{_shown(out_dir)}: {len(summary.written)} written, {len(summary.removed)} removed, "
        f"{summary.unchanged} unchanged",
        file=sys.stderr,
    )
    return EXIT_OK


def command_check(args: argparse.Namespace) -> int:
    from llm_registry.codegen.writer import read_tree

    files = _compile(_registry_dir(args.registry), args.error_format)
    if files is None:
        return EXIT_INVALID
    out_dir = Path(args.out) if args.out else DEFAULT_OUT
    committed = read_tree(out_dir)
    stale = sorted(
        path for path in files.keys() | committed.keys() if files.get(path) != committed.get(path)
    )
    for path in stale:
        _print_diff(f"{_shown(out_dir)}/{path}", committed.get(path), files.get(path))
    if stale:
        _report(
            [
                Diagnostic(
                    _shown(out_dir),
                    0,
                    0,
                    "E401",
                    f"{len(stale)} file(s) differ from what the registry compiles to; run `make generate`",
                )
            ],
            args.error_format,
        )
        return EXIT_INVALID
    print(f"{_shown(out_dir)}: up to date ({len(files)} files)", file=sys.stderr)
    return EXIT_OK


def _print_diff(name: str, old: bytes | None, new: bytes | None) -> None:
    import difflib

    def lines(data: bytes | None) -> list[str]:
        return (
            [] if data is None else data.decode("utf-8", errors="replace").splitlines(keepends=True)
        )

    diff = difflib.unified_diff(
        lines(old),
        lines(new),
        fromfile=name if old is not None else "/dev/null",
        tofile=name if new is not None else "/dev/null",
    )
    sys.stdout.writelines(line if line.endswith("\n") else line + "\n" for line in diff)


def command_import_models_dev(args: argparse.Namespace) -> int:
    from llm_registry.codegen.importer import ImporterError, import_models_dev

    source = Path(args.source)
    if not (source / "providers").is_dir():
        raise UsageError(
            f"{_shown(source)} is not a models.dev checkout: it has no providers/ folder"
        )
    try:
        report = import_models_dev(
            source, Path(args.out), progress=lambda line: print(line, file=sys.stderr)
        )
    except ImporterError as error:
        raise UsageError(str(error)) from error
    print(report.format())
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m codegen",
        description="Validate a provider registry and compile it into typed modules, a key-form spec, a logo map and an SQLite seed.",
        epilog="Exit status: 0 clean, 1 invalid registry or stale output, 2 usage error, 3 internal error.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def registry_command(name: str, help_text: str) -> argparse.ArgumentParser:
        command = commands.add_parser(name, help=help_text, description=help_text)
        command.add_argument(
            "--registry",
            metavar="DIR",
            help="folder holding providers/ and logos/ (default: the project's registry/)",
        )
        command.add_argument(
            "--error-format",
            choices=("text", "json", "github-actions"),
            default="text",
            help="how diagnostics are printed (default: text, as path:line:col: error[CODE]: message)",
        )
        return command

    validate = registry_command("validate", "check every descriptor and report every problem")
    validate.set_defaults(handler=command_validate)
    generate = registry_command(
        "generate",
        "compile the registry into the output folder (atomic; unchanged files are not rewritten)",
    )
    generate.add_argument(
        "--out", metavar="DIR", help="output folder (default: the project's generated/)"
    )
    generate.set_defaults(handler=command_generate)
    check = registry_command(
        "check",
        "validate, then fail with a diff if the output folder differs from what generate would write",
    )
    check.add_argument(
        "--out",
        metavar="DIR",
        help="output folder to compare (default: the project's generated/)",
    )
    check.set_defaults(handler=command_check)

    importer = commands.add_parser(
        "import-models-dev",
        help="write descriptors from a models.dev catalogue checkout",
        description="Write registry descriptors (providers/*.yaml and logos/) from a models.dev catalogue checkout, repairing or excluding what breaks the registry's rules, with a report.",
    )
    importer.add_argument(
        "source",
        metavar="SRC",
        help="the models.dev checkout (holding providers/ and models/)",
    )
    importer.add_argument("--out", metavar="DIR", required=True, help="registry folder to write")
    importer.set_defaults(handler=command_import_models_dev)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # A compile is a short batch that keeps every YAML node alive for its diagnostics:
    # the cyclic garbage collector would rescan them all again and again, for nothing
    # (it more than doubles the time to load a large registry).
    gc.disable()
    try:
        return int(args.handler(args))
    except UsageError as error:
        message = str(error)
        print(
            message if message.startswith("error[") else f"error: {message}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as error:
        print(
            f"error: internal compiler error: {type(error).__name__}: {error}",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
