"""The compiler's stages in order: load and validate → IR → render. Nothing here writes files."""

from __future__ import annotations

from pathlib import Path

from llm_registry.codegen.diagnostics import CompileError
from llm_registry.codegen.ir import build_ir
from llm_registry.codegen.render import render_outputs
from llm_registry.codegen.validate import Registry, validate_registry


def compile_registry(registry_dir: Path) -> dict[str, bytes]:
    """Every file of generated/ for this registry; raises CompileError with all diagnostics."""
    return compile_targets(registry_dir, ("python",))["python"]


def compile_targets(registry_dir: Path, targets: tuple[str, ...]) -> dict[str, dict[str, bytes]]:
    """Every file of each target (``python``, ``typescript``) by target, from one validation
    and one IR; raises CompileError with all diagnostics."""
    registry = validate_registry(registry_dir)
    if registry.diagnostics:
        raise CompileError(registry.diagnostics)
    return render_targets(registry, targets)


def render_targets(registry: Registry, targets: tuple[str, ...]) -> dict[str, dict[str, bytes]]:
    """The files of each target for a registry that validated (its warnings are the caller's
    to report), from one IR."""
    ir = build_ir(registry.descriptors)
    compiled: dict[str, dict[str, bytes]] = {}
    if "python" in targets:
        compiled["python"] = render_outputs(ir)
    if "typescript" in targets:
        from llm_registry.codegen.tsrender import render_typescript

        compiled["typescript"] = render_typescript(ir)
    return compiled
