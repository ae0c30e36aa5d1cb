"""The ``python -m runtime`` command line.

Each group of subcommands lives in its own module exposing ``register(subparsers) -> None``,
which adds its parsers and sets ``handler`` (``Callable[[argparse.Namespace], int | None]``, the
exit status) with ``set_defaults``: ``chat`` in `_chat_cli`, ``seed``/``models``/``refresh`` in
`_models_cli`. Neither imports an SDK or HTTP client until a command runs.

Every failure ends in one line on stderr and a non-zero status: ``error: <kind>: <message>``
for a :class:`~runtime.ProviderError` (status 1), argparse's usage message for bad arguments
(status 2), ``error: interrupted`` for Ctrl-C (status 130). No traceback, for any input, and
never a key: messages are scrubbed of every key the registry's variables hold.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import cast

from llm_registry.runtime._cli import chat as _chat_cli
from llm_registry.runtime._cli import models as _models_cli
from llm_registry.runtime._errors import ProviderError, redact

__all__ = ["build_parser", "main"]

EXIT_ERROR = 1
EXIT_INTERRUPTED = 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m runtime",
        description="Stream replies from any provider in the registry, and manage its models.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    # In the order they appear in --help.
    _chat_cli.register(subparsers)
    _models_cli.register(subparsers)
    return parser


def _known_keys() -> list[str]:
    """Every key the registry's environment variables hold, to scrub from messages."""
    keys: list[str] = []
    try:
        from llm_registry.runtime._registry import providers

        for descriptor in providers():
            if descriptor.api_key is not None:
                value = os.environ.get(descriptor.api_key.env, "").strip()
                if value:
                    keys.append(value)
    except Exception:  # the scrubbing must not fail the error report
        pass
    return keys


def _report(kind: str, message: str) -> None:
    text = " ".join(redact(message, *_known_keys()).split())
    print(f"error: {kind}: {text}", file=sys.stderr, flush=True)


# The compiler's subcommands, served by llm_registry.codegen (the [codegen] extra).
_COMPILER_COMMANDS = frozenset(("validate", "generate", "check", "import-models-dev"))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments and arguments[0] in _COMPILER_COMMANDS:
        from llm_registry.codegen.cli import main as compiler_main

        return compiler_main(arguments)
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        handler = cast(Callable[[argparse.Namespace], "int | None"], args.handler)
        return handler(args) or 0
    except ProviderError as error:
        _report(error.kind, str(error))
        return EXIT_ERROR
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
        _report("internal", f"{type(error).__name__}: {error}")
        return EXIT_ERROR
