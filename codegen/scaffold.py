"""``llm-registry init``: start an app's own registry, and the schema copy editors read.

init writes ``<registry>/providers/example.yaml`` (one provider that validates), the descriptor
JSON Schema beside it as ``<registry>/provider.schema.json`` (the example's modeline points
there, so editors check descriptors offline), and the ``[tool.llm-registry]`` table of the
project's pyproject.toml (appended; the file's bytes before it are kept). It overwrites
nothing: when any of these exists, it writes none of them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from llm_registry.codegen.schema import schema_text
from llm_registry.runtime._project import PYPROJECT, TABLE, find_project, project_root

SCHEMA_FILE = "provider.schema.json"

EXAMPLE_PROVIDER = """\
# yaml-language-server: $schema=../provider.schema.json
# One provider per file, named after its id. Replace this example with your providers;
# `llm-registry validate` explains every problem, `llm-registry generate` compiles them.
id: example
display_name: Example AI
base_url: https://api.example.com/v1
implementation: openai_compatible
api_key:
  env: EXAMPLE_API_KEY
  placeholder: "sk-..."
  url: https://example.com/account/keys
context_limit_patterns:
  - "context length"
discovery:
  dialect: openai
default_models:
  - id: example-large
    display_name: Example Large
    context_window: 131072
    max_output_tokens: 8192
    attachments: [text, image]
    pricing:
      input_per_million: 1.0
      output_per_million: 4.0
"""


class ScaffoldError(Exception):
    """init would overwrite something; the message names what exists."""


@dataclass(frozen=True)
class Scaffold:
    """What init writes, every path absolute."""

    pyproject: Path
    registry: Path
    out: Path
    package: str | None

    @property
    def example(self) -> Path:
        return self.registry / "providers" / "example.yaml"

    @property
    def schema(self) -> Path:
        return self.registry / SCHEMA_FILE


def plan(registry: str | None, out: str | None, package: str | None) -> Scaffold:
    """Where init writes, from the working folder; raises ScaffoldError when anything exists."""
    configured = find_project()
    if configured is not None and configured.config_file is not None:
        raise ScaffoldError(f"{configured.config_file} already has a [tool.{TABLE}] table")
    root = project_root()
    scaffold = Scaffold(
        root / PYPROJECT,
        Path(os.path.abspath(registry or root / "registry")),
        Path(os.path.abspath(out or root / "generated")),
        package,
    )
    existing = [path for path in (scaffold.example, scaffold.schema) if path.exists()]
    if existing:
        names = ", ".join(str(path) for path in existing)
        raise ScaffoldError(f"init writes nothing over existing files: {names} already exist(s)")
    return scaffold


def write(scaffold: Scaffold) -> list[Path]:
    """Write the example, the schema and the table; returns what was written."""
    scaffold.example.parent.mkdir(parents=True, exist_ok=True)
    (scaffold.registry / "logos").mkdir(exist_ok=True)
    with open(scaffold.example, "x", encoding="utf-8") as example:
        example.write(EXAMPLE_PROVIDER)
    with open(scaffold.schema, "x", encoding="utf-8") as schema:
        schema.write(schema_text())
    _append_table(scaffold)
    return [scaffold.example, scaffold.schema, scaffold.pyproject]


def table_text(scaffold: Scaffold) -> str:
    root = scaffold.pyproject.parent
    lines = [
        f"[tool.{TABLE}]",
        f"registry = {_toml_string(_relative(scaffold.registry, root))}",
        f"out = {_toml_string(_relative(scaffold.out, root))}",
    ]
    package = scaffold.package or _package_name(_relative(scaffold.out, root))
    if package:
        lines.append(f"package = {_toml_string(package)}")
    return "\n".join(lines) + "\n"


def _append_table(scaffold: Scaffold) -> None:
    try:
        with open(scaffold.pyproject, "rb") as file:
            existing = file.read()
    except FileNotFoundError:
        existing = None
    with open(scaffold.pyproject, "ab") as file:
        if existing:
            file.write(b"\n" if existing.endswith(b"\n") else b"\n\n")
        file.write(table_text(scaffold).encode("utf-8"))


def _relative(path: Path, root: Path) -> str:
    return Path(os.path.relpath(path, root)).as_posix()


def _package_name(out: str) -> str | None:
    """The import name of the output folder when the project root is on sys.path (or src/ is)."""
    parts = out.removeprefix("src/").split("/")
    return ".".join(parts) if all(part.isidentifier() for part in parts) else None


def _toml_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
