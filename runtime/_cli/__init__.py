"""The ``llm-registry`` command: the compiler's subcommands and the runtime's, one parser tree."""

from llm_registry.runtime._cli.main import main

__all__ = ["main"]
