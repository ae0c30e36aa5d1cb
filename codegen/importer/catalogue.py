"""Reading a models.dev checkout: provider folders, model files, and lab models inherited with
``base_model`` (minus the dotted keys of ``base_model_omit``).

Nothing here repairs or judges a value; it reads files and merges tables. Every file is read
with the compiler's reader of regular files, so a FIFO or a device cannot hang the import.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from llm_registry.codegen.registry_files import read_regular_file

_BASE_MODEL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(?:/[A-Za-z0-9][A-Za-z0-9._:-]*)+$")
_BASE_MODEL_DEPTH = 8

Table = dict[str, Any]


def provider_folders(source: Path) -> list[str]:
    """The provider folders of the checkout, sorted; hidden ones are not providers."""
    return sorted(
        entry.name
        for entry in os.scandir(source / "providers")
        if entry.is_dir() and not entry.name.startswith(".")
    )


def read_toml(path: Path) -> tuple[Table | None, str]:
    """(table, "") or (None, why not, as the end of a sentence naming the file)."""
    if not path.exists():
        return None, "is missing"
    data, problem = read_regular_file(path)
    if data is None:
        return None, f"cannot be read ({problem})"
    try:
        return tomllib.loads(data.decode("utf-8")), ""
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        return None, f"is not valid TOML ({error})"


def model_files(models_dir: Path) -> Iterator[tuple[str, Path]]:
    """(model id, file) for every models/**/*.toml; sub-folders become '/' in the id."""
    if not models_dir.is_dir():
        return
    for directory, subdirectories, files in os.walk(models_dir):
        subdirectories[:] = sorted(name for name in subdirectories if not name.startswith("."))
        relative = os.path.relpath(directory, models_dir)
        prefix = "" if relative == "." else relative.replace(os.sep, "/") + "/"
        for name in sorted(files):
            if name.endswith(".toml") and not name.startswith("."):
                yield prefix + name[: -len(".toml")], Path(directory, name)


class LabModels:
    """The checkout's models/<lab>/<model>.toml files, each read once."""

    def __init__(self, source: Path) -> None:
        self.source = source
        self._read: dict[str, tuple[Table | None, str]] = {}

    def get(self, name: str) -> tuple[Table | None, str]:
        if name not in self._read:
            self._read[name] = read_toml(self.source / "models" / f"{name}.toml")
        return self._read[name]

    def inherit(self, toml: Table) -> tuple[Table | None, str]:
        """The model with its base_model chain merged in: the provider's own values win."""
        seen: list[str] = []
        while "base_model" in toml:
            base_name = toml["base_model"]
            problem = _base_name_problem(base_name, seen)
            if problem:
                return None, problem
            seen.append(base_name)
            base, problem = self.get(base_name)
            if base is None:
                return None, f"base model models/{base_name}.toml {problem}"
            toml = _merged(_omitting(base, toml.get("base_model_omit", [])), _own(toml))
        return toml, ""


def _base_name_problem(base_name: object, seen: list[str]) -> str | None:
    if not isinstance(base_name, str) or not _BASE_MODEL.match(base_name) or ".." in base_name:
        return f"base_model {base_name!r} is not a <lab>/<model> name"
    if base_name in seen or len(seen) >= _BASE_MODEL_DEPTH:
        return f"base_model chain {' -> '.join([*seen, base_name])} does not end"
    return None


def _own(toml: Table) -> Table:
    return {
        key: value for key, value in toml.items() if key not in ("base_model", "base_model_omit")
    }


def _omitting(base: Table, omit: object) -> Table:
    for dotted in omit if isinstance(omit, list) else []:
        if isinstance(dotted, str):
            base = _without(base, dotted.split("."))
    return base


def _merged(base: Table, own: Table) -> Table:
    """Deep merge of tables; own values (and own arrays, whole) win."""
    result = dict(base)
    for key, value in own.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = _merged(result[key], value)
        else:
            result[key] = value
    return result


def _without(table: Table, path: list[str]) -> Table:
    """table minus the key at a dotted path, copying only along the path."""
    head, rest = path[0], path[1:]
    if head not in table:
        return table
    result = dict(table)
    if not rest:
        del result[head]
    elif isinstance(result[head], dict):
        result[head] = _without(result[head], rest)
    return result
