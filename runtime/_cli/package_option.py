"""``--package PKG``: which generated registry a runtime subcommand serves.

Every runtime subcommand takes it; :func:`_registry_from_args` turns the parsed arguments into
the registry the handlers pass on as ``registry=``.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from llm_registry.runtime._registry import Registry

__all__ = ["_registry_from_args", "add_package_option"]


def add_package_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--package",
        metavar="PKG",
        default=None,
        help="import name of the generated registry package to serve, e.g. myapp.providers_gen "
        "(it must be importable; default: the curated registry)",
    )


def _registry_from_args(args: argparse.Namespace) -> Registry | None:
    """The registry named by ``--package``, or None for the curated default.

    Raises :class:`~llm_registry.runtime.ConfigError` when the package cannot be imported or
    is not a generated registry. This is where a default read from the project's configuration
    (``[tool.llm-registry] package`` in the nearest pyproject.toml) belongs, between the option
    and the curated registry.
    """
    from llm_registry.runtime._registry import load_registry

    package: str | None = getattr(args, "package", None)
    if package is None:
        return None
    return load_registry(package)
