"""Where each target's files go: the folders generate writes and check compares.

Every target is one tree written atomically (see writer.write_tree). A target whose folder lies
inside another target's folder (the default: the TypeScript target in ``<out>/ts``) joins that
tree instead, so the whole output is then one atomic write; a folder elsewhere is a tree of its
own, swapped in on its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from llm_registry.codegen.command_base import UsageError
from llm_registry.codegen.reporting import shown
from llm_registry.codegen.writer import MARKER_FILES


@dataclass(frozen=True)
class TargetTree:
    """One folder generate writes whole."""

    folder: Path
    files: dict[str, bytes]
    marker_file: str


def target_folders(targets: tuple[str, ...], out: Path, typescript_out: Path) -> dict[str, Path]:
    """Each configured target's folder; a usage error when two of them overlap badly."""
    folders = {"python": out, "typescript": typescript_out}
    chosen = {target: folders[target] for target in targets}
    both = "python" in chosen and "typescript" in chosen
    if both and out.is_relative_to(typescript_out):
        raise UsageError(
            f"typescript_out ({shown(typescript_out)}) must not hold the output folder "
            f"({shown(out)}): give the TypeScript target a folder of its own"
        )
    return chosen


def plan_trees(compiled: dict[str, dict[str, bytes]], folders: dict[str, Path]) -> list[TargetTree]:
    """The trees to write for the compiled targets (by target name): a target inside the
    Python target's folder is merged into its tree under its relative path."""
    python = folders.get("python")
    trees: list[TargetTree] = []
    merged = dict(compiled.get("python", {}))
    for target, files in compiled.items():
        if target == "python":
            continue
        folder = folders[target]
        if python is not None and folder.is_relative_to(python):
            prefix = folder.relative_to(python).as_posix()
            merged.update({f"{prefix}/{path}": data for path, data in files.items()})
        else:
            trees.append(TargetTree(folder, files, MARKER_FILES[target]))
    if python is not None:
        trees.insert(0, TargetTree(python, merged, MARKER_FILES["python"]))
    return trees
