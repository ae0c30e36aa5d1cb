"""The ``python -m runtime`` command line.

Each subcommand lives in its own module exposing ``register(subparsers) -> None``, which adds
its parser and sets ``handler`` (``Callable[[argparse.Namespace], int | None]``, the exit status)
with ``set_defaults``. Modules that are not present are skipped, so commands can be added
independently.

Every failure ends in one line on stderr and a non-zero status: ``error: <kind>: <message>``
for a :class:`~runtime.ProviderError` (status 1), argparse's usage message for bad arguments
(status 2), ``error: interrupted`` for Ctrl-C (status 130). No traceback, for any input, and
never a key: messages are scrubbed of every key the registry's variables hold.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import sys
from collections.abc import Callable, Sequence
from typing import Protocol, cast

from ._errors import ProviderError, redact

__all__ = ["build_parser", "main"]

# In the order they appear in --help.
COMMAND_MODULES = ("runtime._chat_cli", "runtime._models_cli")

EXIT_ERROR = 1
EXIT_INTERRUPTED = 130


class _CommandModule(Protocol):
    def register(self, subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None: ...


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m runtime",
        description="Stream replies from any provider in the registry, and manage its models.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module_name in COMMAND_MODULES:
        if importlib.util.find_spec(module_name) is None:
            continue
        module = cast(_CommandModule, importlib.import_module(module_name))
        module.register(subparsers)
    return parser


def _known_keys() -> list[str]:
    """Every key the registry's environment variables hold, to scrub from messages."""
    keys: list[str] = []
    try:
        from ._registry import providers

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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
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
