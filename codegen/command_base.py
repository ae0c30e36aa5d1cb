"""What every compiler subcommand shares (see codegen/cli.py): its exit statuses, the two ways
it ends early (UsageError for a usage problem, status 2; Stop once the reason is reported), and
where the registry and the output are (locate).

A command takes the parsed arguments and a Reporter, prints through the reporter and returns
the exit status.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from llm_registry.codegen.diagnostics import Diagnostic
from llm_registry.codegen.reporting import Reporter, shown
from llm_registry.runtime._project import Project, default_project, find_repository_root

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


class UsageError(Exception):
    """The command cannot run as asked (status 2); the message says why."""


class Stop(Exception):
    """End the command with this status; what to say has been reported already."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


@dataclass(frozen=True)
class Paths:
    project: Project
    registry: Path
    """As shown to the user (relative to the working folder when inside it)."""
    out: Path


def locate(args: argparse.Namespace, reporter: Reporter) -> Paths:
    """The registry and output folders: flags, else the project's configuration, else the
    defaults under the project root. Reports E001 (and stops, status 2) without a registry."""
    project = default_project()
    reporter.repository_root = find_repository_root(project.root) or project.root
    registry = Path(args.registry).absolute() if args.registry else project.registry
    out = Path(args.out).absolute() if getattr(args, "out", None) else project.out
    if not (registry / "providers").is_dir():
        where = (
            f"configured in {project.config_file}"
            if project.config_file and not args.registry
            else "pass --registry DIR, or run `llm-registry init` to start one"
        )
        message = f"not a registry: it has no providers/ folder ({where})"
        reporter.report([Diagnostic(shown(registry), 0, 0, "E001", message)], to_stderr=True)
        raise Stop(EXIT_USAGE)
    return Paths(project, Path(shown(registry)), out)
