"""Where an app keeps its registry: the ``[tool.llm-registry]`` table of its pyproject.toml.

Found from the working directory, walking up: the nearest ``pyproject.toml`` holding the table
configures the project, with paths relative to that file::

    [tool.llm-registry]
    registry = "registry"            # folder holding providers/ and logos/
    out = "myapp/providers_gen"      # folder `llm-registry generate` writes
    package = "myapp.providers_gen"  # import name of that generated package, for the runtime
    targets = ["python", "typescript"]  # what generate writes (default: ["python"])
    typescript_out = "web/src/registry"  # where the TypeScript target goes (default: <out>/ts)
    strict = true                    # plausibility warnings (W0xx) fail validate/generate/check

Without the table, the defaults are ``registry/`` and ``generated/`` under the project root
(the folder of the nearest pyproject.toml, else the working directory); never the folders of
this tool's own installation. Standard library only: the runtime's CLI reads it too, without
the compiler's dependencies.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "PYPROJECT",
    "TABLE",
    "TARGETS",
    "Project",
    "ProjectConfigError",
    "default_project",
    "find_project",
    "find_repository_root",
]

PYPROJECT = "pyproject.toml"
TABLE = "llm-registry"
DEFAULT_REGISTRY = "registry"
DEFAULT_OUT = "generated"
_PATH_KEYS = ("registry", "out")
_KEYS = (*_PATH_KEYS, "package", "targets", "typescript_out", "strict")
# What generate can write, in the order it writes them; the Python package is the default.
TARGETS = ("python", "typescript")
DEFAULT_TARGETS = ("python",)
# The TypeScript target's folder under the output folder when typescript_out is not set.
DEFAULT_TYPESCRIPT_SUBFOLDER = "ts"


class ProjectConfigError(Exception):
    """The ``[tool.llm-registry]`` table (or the pyproject.toml holding it) is unusable; the
    message names the file. A usage error: commands exit with status 2."""


@dataclass(frozen=True)
class Project:
    """An app's registry settings, every path absolute."""

    root: Path
    """The folder of the configuring pyproject.toml (else of the nearest one, else the cwd)."""
    registry: Path
    """The registry folder: providers/*.yaml and logos/."""
    out: Path
    """The folder generate writes (the generated package)."""
    package: str | None
    """Import name of the generated package; None when the table does not say."""
    config_file: Path | None
    """The pyproject.toml the table was read from; None when running on defaults."""
    targets: tuple[str, ...] = DEFAULT_TARGETS
    """What generate writes and check compares, in :data:`TARGETS` order."""
    typescript_out: Path | None = None
    """The folder of the TypeScript target when configured; None means ``<out>/ts`` (which
    follows ``--out``)."""
    strict: bool = False
    """Whether plausibility warnings fail the compiler's commands (as --strict does)."""

    def typescript_folder(self, out: Path) -> Path:
        """The TypeScript target's folder when the Python package goes to ``out``."""
        if self.typescript_out is not None:
            return self.typescript_out
        return out / DEFAULT_TYPESCRIPT_SUBFOLDER


def find_project(start: Path | None = None) -> Project | None:
    """The project configured by the nearest pyproject.toml with ``[tool.llm-registry]``, walking
    up from ``start`` (default: the working directory); None when no such file exists.

    Raises :class:`ProjectConfigError` for an unreadable file or a malformed table.
    """
    for pyproject in _pyprojects_upward(start):
        table = _read_table(pyproject)
        if table is not None:
            return _project_from_table(pyproject, table)
    return None


def default_project(start: Path | None = None) -> Project:
    """:func:`find_project`, else the defaults: ``registry/`` and ``generated/`` under the
    folder of the nearest pyproject.toml (else ``start``, default the working directory)."""
    project = find_project(start)
    if project is not None:
        return project
    root = project_root(start)
    return Project(root, root / DEFAULT_REGISTRY, root / DEFAULT_OUT, None, None)


def project_root(start: Path | None = None) -> Path:
    """The folder of the nearest pyproject.toml at or above ``start``, else ``start`` itself."""
    here = _absolute(start)
    return next((path.parent for path in _pyprojects_upward(here)), here)


def find_repository_root(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` holding ``.git`` (a folder, or a worktree's
    file)."""
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return None


def _absolute(start: Path | None) -> Path:
    return Path(os.path.abspath(start if start is not None else Path.cwd()))


def _pyprojects_upward(start: Path | None) -> list[Path]:
    here = _absolute(start)
    return [
        folder / PYPROJECT for folder in (here, *here.parents) if (folder / PYPROJECT).is_file()
    ]


def _read_table(pyproject: Path) -> dict[str, object] | None:
    try:
        with open(pyproject, "rb") as file:
            data = file.read()
    except OSError as error:
        raise ProjectConfigError(f"{pyproject}: cannot be read ({error.strerror})") from error
    if TABLE.encode() not in data:
        return None  # no table can be there: spare the parse (and tomllib's import)
    import tomllib

    try:
        document = tomllib.loads(data.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ProjectConfigError(f"{pyproject}: not valid TOML ({error})") from error
    tool = document.get("tool")
    if not isinstance(tool, dict) or TABLE not in tool:
        return None
    table = tool[TABLE]
    if not isinstance(table, dict):
        raise ProjectConfigError(f"{pyproject}: [tool.{TABLE}] must be a table")
    return table


def _project_from_table(pyproject: Path, table: dict[str, object]) -> Project:
    where = f"{pyproject}: [tool.{TABLE}]"
    unknown = sorted(set(table) - set(_KEYS))
    if unknown:
        raise ProjectConfigError(
            f"{where} has unknown key(s) {', '.join(unknown)} (known: {', '.join(_KEYS)})"
        )
    targets = _targets(where, table.get("targets", list(DEFAULT_TARGETS)))
    for key, value in table.items():
        if key == "strict":
            if not isinstance(value, bool):
                raise ProjectConfigError(f"{where}: strict must be true or false")
        elif key != "targets" and (not isinstance(value, str) or not value.strip()):
            raise ProjectConfigError(f"{where}: {key} must be a non-empty string")
    package = table.get("package")
    if isinstance(package, str) and not all(part.isidentifier() for part in package.split(".")):
        raise ProjectConfigError(
            f"{where}: package must be an import name such as myapp.providers_gen, not {package!r}"
        )
    root = pyproject.parent
    registry, out = (
        Path(os.path.normpath(root / str(table.get(key, default))))
        for key, default in zip(_PATH_KEYS, (DEFAULT_REGISTRY, DEFAULT_OUT), strict=True)
    )
    typescript_out = table.get("typescript_out")
    return Project(
        root,
        registry,
        out,
        package if isinstance(package, str) else None,
        pyproject,
        targets,
        Path(os.path.normpath(root / typescript_out)) if isinstance(typescript_out, str) else None,
        table.get("strict") is True,
    )


def _targets(where: str, value: object) -> tuple[str, ...]:
    """The configured targets in TARGETS order; a usage error for anything else."""
    known = ", ".join(repr(target) for target in TARGETS)
    if not isinstance(value, list) or not value or not all(isinstance(t, str) for t in value):
        raise ProjectConfigError(f"{where}: targets must be a non-empty list of {known}")
    unknown = [target for target in value if target not in TARGETS]
    if unknown:
        raise ProjectConfigError(
            f"{where}: unknown target {unknown[0]!r} in targets (known: {known})"
        )
    if len(set(value)) != len(value):
        raise ProjectConfigError(f"{where}: targets lists a target twice")
    return tuple(target for target in TARGETS if target in value)
