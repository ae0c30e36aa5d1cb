"""Writing the imported descriptors: YAML text, and files through codegen/writer.py.

Every descriptor the importer writes starts with a comment naming its source; that comment is
also how a re-run knows which descriptors it may replace or remove (hand-written ones never
carry it, and are never touched).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from llm_registry.codegen.importer.descriptors import Candidate, FlowList
from llm_registry.codegen.writer import WriteSummary, update_files

# The first line of every descriptor the importer writes.
HEADER_PREFIX = "# Imported from models.dev"


class _Dumper(yaml.SafeDumper):
    """SafeDumper that never writes anchors/aliases and writes FlowList in flow style."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_flow_list(dumper: yaml.SafeDumper, data: FlowList) -> yaml.Node:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True)


_Dumper.add_representer(FlowList, _represent_flow_list)


def render(candidate: Candidate) -> bytes:
    """The descriptor file: the header comment, then the descriptor in the schema's key order."""
    folder = "".join(
        char if char.isprintable() else f"\\x{ord(char):02x}" for char in candidate.folder
    )
    header = (
        f"{HEADER_PREFIX} (providers/{folder}); "
        "re-run `llm-registry import-models-dev` instead of editing.\n"
    )
    # safe_dump quotes strings that YAML 1.1 would read as booleans, numbers or null ("yes",
    # "1.0", "~").
    body = yaml.dump(
        candidate.descriptor,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=1_000_000,
        default_flow_style=False,
    )
    return (header + body).encode("utf-8")


def write_registry(out: Path, candidates: list[Candidate]) -> WriteSummary:
    """Write what changed, leave identical files alone, remove earlier imported files now
    gone (descriptors carrying the header, and the logos of their ids)."""
    files: dict[str, bytes] = {}
    for candidate in candidates:
        files[f"providers/{candidate.id}.yaml"] = render(candidate)
        if candidate.logo is not None:
            files[f"logos/{candidate.id}.svg"] = candidate.logo
    for folder in ("providers", "logos"):
        (out / folder).mkdir(parents=True, exist_ok=True)
    return update_files(out, files, remove=_earlier_imports(out, {c.id for c in candidates}))


def hand_written_key_variables(out: Path) -> dict[str, str | None]:
    """Provider id -> key variable of each descriptor in out without the importer's header."""
    found: dict[str, str | None] = {}
    for path in sorted((out / "providers").glob("*.yaml")):
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if data.startswith(HEADER_PREFIX.encode()):
            continue
        try:
            api_key = yaml.safe_load(data).get("api_key")
            env = api_key.get("env") if isinstance(api_key, dict) else None
        except (yaml.YAMLError, AttributeError, UnicodeDecodeError):
            env = None  # validate reports what is wrong with it; its id stays reserved all the same
        found[path.stem] = env if isinstance(env, str) else None
    return found


def _earlier_imports(out: Path, imported_ids: set[str]) -> list[str]:
    """Files an earlier import wrote: descriptors carrying the header, and the logos of
    imported ids."""
    ids = set(imported_ids)
    earlier = []
    for path in sorted((out / "providers").glob("*.yaml")):
        with path.open("rb") as file:
            if file.readline().startswith(HEADER_PREFIX.encode()):
                ids.add(path.stem)
                earlier.append(f"providers/{path.name}")
    earlier.extend(
        f"logos/{provider_id}.svg"
        for provider_id in sorted(ids)
        if (out / "logos" / f"{provider_id}.svg").exists()
    )
    return earlier
