"""The ``llm-registry`` command line: the runtime's subcommands and the compiler's, one tree.

Each group of subcommands lives in its own module exposing ``register(subparsers) -> None``,
which adds its parsers and sets ``handler`` (``Callable[[argparse.Namespace], int | None]``, the
exit status) with ``set_defaults``: ``chat`` in `_chat_cli`, ``seed``/``models``/``refresh`` in
`_models_cli`, ``db check``/``db repair`` in `_db_cli`, ``keys set|list|delete`` in
`_keys_cli`, ``serve`` in `_serve_cli`, and the compiler's (``init``, ``validate``,
``generate``, ``check``, ``breaking``, ``schema``, ``import-models-dev``, ``sync``) in
``llm_registry.codegen.cli``, which handles its own failures and exit statuses. None imports
an SDK, an HTTP client or the compiler's dependencies (the ``[codegen]`` extra) until a
command runs.

Every failure ends in one line on stderr and a non-zero status: ``error: <kind>: <message>``
for a :class:`~runtime.ProviderError` (status 1), argparse's usage message for bad arguments
(status 2), ``error: interrupted`` for Ctrl-C (status 130). No traceback, for any input, and
never a key: messages are scrubbed of every key the registry's variables and the key store
hold. A malformed
``[tool.llm-registry]`` table is a usage error (status 2).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn, cast

from llm_registry.codegen import cli as _compiler_cli
from llm_registry.runtime._cli import chat as _chat_cli
from llm_registry.runtime._cli import db as _db_cli
from llm_registry.runtime._cli import keys as _keys_cli
from llm_registry.runtime._cli import models as _models_cli
from llm_registry.runtime._cli import serve as _serve_cli
from llm_registry.runtime._cli.package_option import known_keys
from llm_registry.runtime._errors import ProviderError, redact
from llm_registry.runtime._project import ProjectConfigError

__all__ = ["build_parser", "main"]

EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
DISTRIBUTION = "llm-provider-registry"


class _VersionAction(argparse.Action):
    """``--version``: the installed distribution's version, read only when asked for."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help="print the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *args: object, **kwargs: object) -> None:
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = version(DISTRIBUTION)
        except PackageNotFoundError:
            found = "unknown (not installed)"
        print(f"{parser.prog} {found}")
        parser.exit()


class _Parser(argparse.ArgumentParser):
    """argparse's parser, except that of the arguments it does not know it echoes only options:
    a word may be a key typed on the command line (``keys set openai --package app sk-…``)."""

    def error(self, message: str) -> NoReturn:
        if message.startswith("unrecognized arguments:"):
            words = message.split(":", 1)[1].split()
            shown = [word for word in words if word.startswith("-")]
            hidden = len(words) - len(shown)
            message = f"unrecognized arguments: {' '.join(shown)}"
            if hidden:
                what = f"{hidden} more" if shown else f"{hidden} unrecognized argument(s)"
                message = (
                    f"{message}, and " if shown else ""
                ) + f"{what} not shown in case one is a key (keys are read from a prompt or stdin)"
        super().error(message)


def build_parser() -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = _Parser(
        prog="llm-registry",
        description="Compile a registry of LLM providers (one YAML file each) into a typed "
        "Python package, and use it: stream replies from any provider, manage its models. "
        "Configured by [tool.llm-registry] in the nearest pyproject.toml.",
        epilog=_compiler_cli.EXIT_STATUS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action=_VersionAction)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    # In the order they appear in --help: the compiler's first, an app's first steps.
    _compiler_cli.register(subparsers)
    _chat_cli.register(subparsers)
    _models_cli.register(subparsers)
    _db_cli.register(subparsers)
    _keys_cli.register(subparsers)
    _serve_cli.register(subparsers)
    return parser


def _report(kind: str, message: str, args: argparse.Namespace | None = None) -> None:
    text = " ".join(redact(message, *known_keys(args)).split())
    print(f"error: {kind}: {text}", file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    args: argparse.Namespace | None = None
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        handler = cast(Callable[[argparse.Namespace], "int | None"], args.handler)
        return handler(args) or 0
    except ProviderError as error:
        _report(error.kind, str(error), args)
        return EXIT_ERROR
    except ProjectConfigError as error:
        print(f"error: {error}", file=sys.stderr, flush=True)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr, flush=True)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`| head`); stop quietly, and keep Python's own flush at exit
        # from failing on the closed pipe.
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except OSError:
            pass
        return EXIT_ERROR
    except Exception as error:  # a bug: still one line, still scrubbed
        _report("internal", f"{type(error).__name__}: {error}", args)
        return EXIT_ERROR
