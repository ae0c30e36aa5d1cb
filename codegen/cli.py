"""The compiler's subcommands of ``llm-registry``: init, validate, generate, check, schema and
import-models-dev.

:func:`register` adds them to a parser tree (the ``llm-registry`` command's, in
``llm_registry.runtime._cli.main``); :func:`main` runs them alone (``python -m
llm_registry.codegen``). This module imports only the standard library: the compiler's own
dependencies (the ``[codegen]`` extra) are imported when a command runs, and a command that
needs them says how to install them when they are missing.

Paths come from the project's ``[tool.llm-registry]`` table (see
``llm_registry.runtime._project``), else ``registry/`` and ``generated/`` under the project
root; ``--registry`` and ``--out`` override them.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import sys
from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING

from llm_registry.codegen import authoring_commands, commands
from llm_registry.codegen.command_base import EXIT_INTERNAL, EXIT_USAGE, Stop, UsageError
from llm_registry.codegen.reporting import ERROR_FORMATS, Reporter
from llm_registry.runtime._project import ProjectConfigError

__all__ = ["EXIT_STATUS", "build_parser", "main", "register"]

EXIT_STATUS = """\
exit status:
  0    success (warnings allowed, unless --strict)
  1    invalid registry, plausibility warnings under --strict, or out-of-date output
       (validate, generate, check), breaking changes (breaking), or a
       provider error (chat, models, seed, refresh)
  2    usage error: bad arguments, bad [tool.llm-registry] configuration, no registry,
       init refusing to overwrite, the [codegen] extra not installed, or breaking's
       ref not in the clone
  3    internal compiler error (a bug)
  130  interrupted
"""

# The [codegen] extra, by import name: a command that compiles needs every one of them.
CODEGEN_MODULES = ("black", "datamodel_code_generator", "jinja2", "jsonschema", "ruamel", "yaml")
INSTALL_HINT = (
    "this command needs the compiler's dependencies: pip install 'llm-provider-registry[codegen]'"
)

Command = Callable[[argparse.Namespace, Reporter], int]
if TYPE_CHECKING:
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]


def register(subparsers: Subparsers) -> None:
    """Add the compiler's subcommands to a parser tree; each sets ``handler(args) -> int``."""
    init = _add(subparsers, "init", authoring_commands.init, needs_codegen=False)
    init.add_argument("--registry", metavar="DIR", help="registry folder (default: registry)")
    init.add_argument("--out", metavar="DIR", help="output folder (default: generated)")
    init.add_argument(
        "--package", metavar="NAME", help="import name of the output (default: from --out)"
    )
    _strict_option(_registry_options(_add(subparsers, "validate", commands.validate)))
    generate = _strict_option(_registry_options(_add(subparsers, "generate", commands.generate)))
    generate.add_argument("--out", metavar="DIR", help="output folder (default: configured)")
    check = _strict_option(_registry_options(_add(subparsers, "check", commands.check)))
    check.add_argument(
        "--out", metavar="DIR", help="output folder to compare (default: configured)"
    )
    _breaking_options(_registry_options(_add(subparsers, "breaking", authoring_commands.breaking)))
    schema = _add(subparsers, "schema", authoring_commands.schema, needs_codegen=False)
    schema.add_argument("--out", metavar="FILE", help="write the schema here instead of stdout")
    importer = _add(subparsers, "import-models-dev", authoring_commands.import_models_dev)
    importer.add_argument("source", metavar="SRC", help="models.dev checkout (providers/, models/)")
    importer.add_argument("--out", metavar="DIR", required=True, help="registry folder to write")
    _error_format_option(importer)
    sync = _registry_options(_add(subparsers, "sync", _sync))
    sync.add_argument("provider", metavar="PROVIDER", help="provider id (the descriptor's name)")
    sync.add_argument("--base-url", metavar="URL", help="list at this API root instead")
    sync.add_argument("--write", action="store_true", help="apply the changes to the descriptor")
    sync.add_argument("--force", action="store_true", help="deprecate even past the shrink guard")


def _sync(args: argparse.Namespace, reporter: Reporter) -> int:
    # Imported when it runs: it brings asyncio and the HTTP stack, which the other commands
    # (a no-op generate above all) would otherwise pay for at every start.
    from llm_registry.codegen.sync import sync

    return sync(args, reporter)


_HELP = {
    "init": (
        "start a registry here",
        "Write registry/providers/example.yaml, the descriptor schema beside it and the "
        "[tool.llm-registry] table of pyproject.toml (appended). Overwrites nothing.",
    ),
    "validate": (
        "check every descriptor and report every problem",
        "Check every descriptor against the schema and the registry's rules, reporting every "
        "problem at once as path:line:col: error[CODE]: message.",
    ),
    "generate": (
        "compile the registry into the output folder",
        "Compile the registry into the output folder, and into typescript_out when "
        "[tool.llm-registry] targets includes typescript: atomic, and files whose bytes would "
        "not change are not rewritten.",
    ),
    "check": (
        "fail when the output folder is not what generate would write (for CI)",
        "Validate, then fail with a diff if the output folder differs from what generate would "
        "write; warn when the registry's copy of the schema is out of date.",
    ),
    "breaking": (
        "fail on changes that break apps, against a git ref (for CI)",
        "Compare the registry with its version at a git ref (read from git, nothing is\n"
        "checked out) or in another folder, and report every breaking change (B0xx) at once:\n"
        "a provider, or a model not deprecated first, removed; a key variable renamed; the\n"
        "wire format, discovery dialect or base URL host changed; a context window, output\n"
        "limit, attachment kind, tool support or reasoning option reduced.\n\n"
        "A deliberate break is allowed by --allow CODE, or by an entry with a reason in the\n"
        "registry's breaking-allow.yaml; allowed breaks are printed as notes.",
    ),
    "schema": (
        "print the descriptor JSON Schema",
        "Print the descriptor JSON Schema of this version (or write it with --out).",
    ),
    "sync": (
        "propose a descriptor's model changes from the provider's live listing",
        "List the provider's models live (key from the usual variable, never shown) and print "
        "a unified diff of its descriptor: models the listing adds (unknowns marked # review:), "
        "models it lacks marked deprecated: true. --write applies it, after validating. Fewer "
        "than half the descriptor's models listed: nothing is deprecated without --force.",
    ),
    "import-models-dev": (
        "write descriptors from a models.dev catalogue checkout",
        "Write registry descriptors (providers/*.yaml and logos/) from a models.dev catalogue "
        "checkout, repairing or leaving out what breaks the registry's rules (warnings W5xx).",
    ),
}


def _add(
    subparsers: Subparsers, name: str, command: Command, *, needs_codegen: bool = True
) -> argparse.ArgumentParser:
    summary, description = _HELP[name]
    parser: argparse.ArgumentParser = subparsers.add_parser(
        name,
        help=summary,
        description=description,
        epilog=EXIT_STATUS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(handler=partial(run, command, needs_codegen=needs_codegen))
    return parser


def _registry_options(command: argparse.ArgumentParser) -> argparse.ArgumentParser:
    command.add_argument(
        "--registry",
        metavar="DIR",
        help="folder holding providers/ and logos/ (default: [tool.llm-registry] registry, "
        "else registry/ under the project root)",
    )
    _error_format_option(command)
    return command


def _strict_option(command: argparse.ArgumentParser) -> argparse.ArgumentParser:
    command.add_argument(
        "--strict",
        action="store_true",
        help="plausibility warnings (W0xx) fail the run, as `strict = true` in "
        "[tool.llm-registry] does; a descriptor silences one with silence: [{code, reason}]",
    )
    return command


def _breaking_options(command: argparse.ArgumentParser) -> None:
    against = command.add_mutually_exclusive_group(required=True)
    against.add_argument(
        "--against",
        metavar="REF",
        help="git ref of the old registry, e.g. origin/main (it must have been fetched)",
    )
    against.add_argument(
        "--against-dir", metavar="DIR", help="folder holding the old registry's providers/"
    )
    command.add_argument(
        "--allow",
        metavar="CODES",
        action="append",
        help="allow these breaking-change codes everywhere, e.g. B002,B006 (repeatable)",
    )


def _error_format_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--error-format",
        choices=ERROR_FORMATS,
        default="text",
        help="text (path:line:col: error[CODE]: message), json (JSON Lines ending with a "
        "summary object) or github-actions (annotations, paths from the repository root)",
    )


def missing_codegen_modules() -> list[str]:
    """The [codegen] extra's modules that cannot be imported (found, not imported: cheap)."""
    missing = []
    for name in CODEGEN_MODULES:
        if name in sys.modules:
            continue
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        if spec is None:
            missing.append(name)
    return missing


def run(command: Command, args: argparse.Namespace, *, needs_codegen: bool = True) -> int:
    """Run one compiler command: every failure is a message and an exit status, never a
    traceback."""
    reporter = Reporter(getattr(args, "error_format", "text"))
    missing = missing_codegen_modules() if needs_codegen else []
    if missing:
        return reporter.finish(EXIT_USAGE, error=f"{INSTALL_HINT} (missing: {', '.join(missing)})")
    # A compile is a short batch that keeps every YAML node alive for its diagnostics: the
    # cyclic garbage collector would rescan them all again and again, for nothing (it more
    # than doubles the time to load a large registry). Back on when the command returns.
    gc.disable()
    try:
        return reporter.finish(command(args, reporter))
    except Stop as stop:
        return reporter.finish(stop.status)
    except (UsageError, ProjectConfigError) as error:
        return reporter.finish(EXIT_USAGE, error=str(error))
    except ModuleNotFoundError as error:
        if (error.name or "").partition(".")[0] not in CODEGEN_MODULES:
            return _internal_error(reporter, error)
        return reporter.finish(EXIT_USAGE, error=f"{INSTALL_HINT} (missing: {error.name})")
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as error:
        return _internal_error(reporter, error)
    finally:
        gc.enable()


def _internal_error(reporter: Reporter, error: Exception) -> int:
    message = f"internal compiler error: {type(error).__name__}: {error}"
    return reporter.finish(EXIT_INTERNAL, error=message)


def build_parser(prog: str = "python -m llm_registry.codegen") -> argparse.ArgumentParser:
    """The compiler's subcommands alone (``llm-registry`` has them beside the runtime's)."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description="Validate a provider registry and compile it into typed modules, a key-form "
        "spec, a logo map and an SQLite seed.",
        epilog=EXIT_STATUS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    register(parser.add_subparsers(dest="command", required=True, metavar="COMMAND"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    status: int = args.handler(args)
    return status
