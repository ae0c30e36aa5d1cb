"""Validation, the stage: each descriptor is loaded, checked against the JSON Schema
(schema_check), then against the rules only code can check (registry_rules); every problem in
every file is collected."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from llm_registry.codegen.context_samples import EXAMPLES_KEY, context_sample_diagnostics
from llm_registry.codegen.diagnostics import Diagnostic
from llm_registry.codegen.plausibility import check_plausibility
from llm_registry.codegen.registry_files import descriptor_files, read_regular_file
from llm_registry.codegen.registry_rules import DescriptorRules, UniquenessRules
from llm_registry.codegen.schema_check import schema_diagnostics
from llm_registry.codegen.yaml_loader import load_descriptor

__all__ = ["Descriptor", "Registry", "validate_registry"]


@dataclass(frozen=True)
class Descriptor:
    """A descriptor that passed every check, with what the compiler needs to emit it."""

    source: str  # relative to the registry folder, e.g. "providers/acme.yaml"
    value: dict[str, Any]
    logo_svg: bytes | None


@dataclass
class Registry:
    """The outcome of validating a registry folder."""

    descriptors: list[Descriptor]
    diagnostics: list[Diagnostic]
    warnings: list[Diagnostic] = field(default_factory=list)
    """Plausibility warnings (W0xx), which fail only a strict run."""
    silenced: int = 0
    """Plausibility warnings the descriptors silenced."""


def validate_registry(registry_dir: Path) -> Registry:
    """Load and check every descriptor; every problem in every file is collected."""
    files, diagnostics = descriptor_files(registry_dir)
    unique = UniquenessRules()
    checked: list[Descriptor] = []
    warnings: list[Diagnostic] = []
    silenced = 0
    for path in files:
        data, problem = read_regular_file(path)
        if data is None:
            diagnostics.append(Diagnostic(str(path), 0, 0, "E002", problem))
            continue
        document, problems = load_descriptor(data, str(path))
        diagnostics.extend(problems)
        if document is None:
            continue
        file_problems = list(problems)
        # The loader already explained a value it refused (.nan, 0b101, …); the schema
        # complaining about the same spot would only repeat it with worse advice.
        refused = {(problem.line, problem.column) for problem in problems}
        file_problems.extend(
            d for d in schema_diagnostics(document) if (d.line, d.column) not in refused
        )
        checker = DescriptorRules(document, registry_dir)
        checker.run(path.stem)
        file_problems.extend(checker.diagnostics)
        file_problems.extend(context_sample_diagnostics(document))
        file_problems.extend(unique.check(document))
        plausibility = check_plausibility(document)
        file_problems.extend(plausibility.errors)
        warnings.extend(plausibility.warnings)
        silenced += plausibility.silenced
        diagnostics.extend(file_problems[len(problems) :])
        if not file_problems:
            source = path.relative_to(registry_dir).as_posix()
            # The samples only prove the patterns: they are not compiled.
            compiled = {k: v for k, v in document.value.items() if k != EXAMPLES_KEY}
            checked.append(Descriptor(source, compiled, checker.logo_svg))
        # The document (and its YAML nodes) is dropped here: a large registry is never
        # held in memory as nodes all at once.
    if not files:
        diagnostics.append(
            Diagnostic(
                str(registry_dir / "providers"), 0, 0, "E004", "the registry has no descriptors"
            )
        )
    valid = not diagnostics
    return Registry(checked if valid else [], sorted(diagnostics), sorted(warnings), silenced)
