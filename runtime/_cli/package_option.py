"""``--package PKG``: which generated registry a runtime subcommand serves.

Every runtime subcommand takes it; :func:`_registry_from_args` turns the parsed arguments into
the registry the handlers pass on as ``registry=``.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from llm_registry.runtime._registry import Registry

__all__ = ["_registry_from_args", "add_package_option", "known_keys"]


def add_package_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--package",
        metavar="PKG",
        default=None,
        help="import name of the generated registry package to serve, e.g. myapp.providers_gen "
        "(default: `package` of [tool.llm-registry] in the nearest pyproject.toml, else the "
        "curated registry); looked for on the import path, then in the project folder and its "
        "src/",
    )


def _registry_from_args(args: argparse.Namespace) -> Registry | None:
    """The registry named by ``--package``, else by the project's ``[tool.llm-registry]
    package``, else None for the curated default.

    An app's generated package usually lives in its own project rather than in an installed
    distribution, and the ``llm-registry`` script does not put the working folder on the import
    path: the project folder (and its ``src/``) are searched after everything installed.

    Raises :class:`~llm_registry.runtime.ConfigError` when the package cannot be imported or
    is not a generated registry, and ``ProjectConfigError`` for an unusable configuration.
    """
    from llm_registry.runtime._project import find_project, project_root
    from llm_registry.runtime._registry import load_registry

    package: str | None = getattr(args, "package", None)
    root = project_root()
    if package is None:
        project = find_project()
        if project is None or project.package is None:
            return None
        package, root = project.package, project.root
    for folder in (root, root / "src"):
        if folder.is_dir() and str(folder) not in sys.path:
            sys.path.append(str(folder))
    return load_registry(package)


def known_keys(args: argparse.Namespace | None) -> list[str]:
    """Every key the served registry (and the curated one) could use, to keep out of
    everything the command prints (see :func:`~llm_registry.runtime._keys.known_keys`). Never
    fails: finding keys must not stop a report."""
    from llm_registry.runtime._keys import known_keys as keys_of
    from llm_registry.runtime._keystore import default_key_store
    from llm_registry.runtime._registry import providers

    try:
        served = providers(registry=_registry_from_args(args)) if args is not None else []
        descriptors = [*served, *providers()]
    except Exception:  # an unusable registry is reported by the command itself
        return []
    try:
        store = default_key_store()
    except Exception:  # the command that needs a stored key says why
        return keys_of(descriptors, key_store=None)
    return keys_of(descriptors, key_store=store)
