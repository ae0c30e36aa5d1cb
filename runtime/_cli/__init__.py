"""The ``llm-registry`` command: the runtime's subcommands, and the compiler's where installed."""

from llm_registry.runtime._cli.main import main

__all__ = ["main"]
