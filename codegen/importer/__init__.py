"""Import the models.dev catalogue as registry descriptors.

models.dev (https://models.dev) describes providers as TOML: ``providers/<folder>/provider.toml``,
``providers/<folder>/models/**/<model>.toml`` (a ``/`` in a model id is a sub-folder), an
optional ``logo.svg``, and lab-level facts under ``models/<lab>/<model>.toml`` that provider
files inherit with ``base_model``.

:func:`import_models_dev` turns such a checkout into ``DIR/providers/<id>.yaml`` and
``DIR/logos/<id>.svg``. The catalogue does not follow this project's rules everywhere, so the
importer repairs what it can and leaves out what it cannot, reporting both as the compiler's
diagnostics: warnings with stable codes (W501-W519 repaired, W521-W523 left out), each on the
catalogue file it concerns. Every descriptor it writes passes the JSON Schema and the rules of
``llm-registry validate``; whatever would not is left out instead. What it writes is also put
through validate's plausibility checks (W0xx, e.g. swapped prices), reported on the written
files, so that implausible catalogue values are seen before ``--strict`` refuses them.

Stages, one module each: catalogue (reading), rules (the repairs), descriptors (building
providers and models), key_variables (a unique key variable each), emit (YAML, written through
codegen/writer.py). Output is
deterministic: the same input gives byte-identical files, and files whose bytes would not
change are not rewritten.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from jsonschema import Draft202012Validator

from llm_registry.codegen.diagnostics import CODES, Diagnostic
from llm_registry.codegen.importer.catalogue import provider_folders
from llm_registry.codegen.importer.descriptors import Builder, Candidate
from llm_registry.codegen.importer.emit import (
    HEADER_PREFIX,
    hand_written_key_variables,
    render,
    write_registry,
)
from llm_registry.codegen.importer.key_variables import assign_key_variables
from llm_registry.codegen.importer.rules import LEFT_OUT_PROVIDER, Notes
from llm_registry.codegen.plausibility import check_plausibility
from llm_registry.codegen.schema import descriptor_schema
from llm_registry.codegen.writer import WriteSummary
from llm_registry.codegen.yaml_loader import load_descriptor
from llm_registry.runtime._rules import MODEL_ID_SEPARATOR

__all__ = ["HEADER_PREFIX", "ImportResult", "ImporterError", "import_models_dev"]


class ImporterError(Exception):
    """The import cannot run at all: the source is not a models.dev checkout, or DIR cannot be
    written. Problems with single providers or models are never raised: they are warnings."""


@dataclass
class ImportResult:
    """What an import wrote; what it repaired or left out is in ``diagnostics``."""

    providers: list[str] = field(default_factory=list)
    """Ids of the providers written, sorted."""
    models: list[str] = field(default_factory=list)
    """``<provider id>::<model id>`` of every model written, sorted."""
    diagnostics: list[Diagnostic] = field(default_factory=list)
    """Warnings, sorted; paths relative to the checkout."""
    files: WriteSummary = field(default_factory=WriteSummary)
    """Files (relative to DIR) written, removed, and left unchanged."""
    plausibility: list[Diagnostic] = field(default_factory=list)
    """Plausibility warnings (W0xx) on the written descriptors, sorted; paths relative to
    DIR."""

    def counts(self) -> dict[str, int]:
        """Warnings by code name (e.g. ``provider-id-renamed``), sorted."""
        return dict(sorted(Counter(CODES[d.code] for d in self.diagnostics).items()))

    def summary(self) -> str:
        left_out = sum(1 for d in self.diagnostics if d.code.startswith("W52"))
        return (
            f"Imported {len(self.providers)} providers with {len(self.models)} models "
            f"({len(self.files.written)} files written, {self.files.unchanged} unchanged, "
            f"{len(self.files.removed)} removed); "
            f"{len(self.diagnostics) - left_out} repaired, {left_out} left out"
            + (f"; {len(self.plausibility)} implausible." if self.plausibility else ".")
        )


def import_models_dev(
    source: Path, out: Path, *, progress: Callable[[str], None] | None = None
) -> ImportResult:
    """Import the models.dev checkout at ``source`` into the registry folder ``out``.

    Writes ``out/providers/<id>.yaml`` and ``out/logos/<id>.svg``; removes earlier imported
    files whose provider is gone. Raises :class:`ImporterError` only when the import cannot
    run at all.
    """
    source, out = Path(source), Path(out)
    if not (source / "providers").is_dir():
        raise ImporterError(f"{source} is not a models.dev checkout: it has no providers/ folder")
    notes = Notes()
    hand_written = hand_written_key_variables(out)
    builder = Builder(source, notes, progress or (lambda message: None), hand_written)
    candidates = [
        candidate
        for folder in provider_folders(source)
        if (candidate := builder.provider(folder)) is not None
    ]
    assign_key_variables(candidates, hand_written, notes)
    accepted = _schema_guard(candidates, notes)
    try:
        files = write_registry(out, accepted)
    except OSError as error:
        raise ImporterError(f"cannot write {error.filename or out}: {error.strerror}") from error
    return ImportResult(
        providers=sorted(candidate.id for candidate in accepted),
        models=sorted(
            f"{candidate.id}{MODEL_ID_SEPARATOR}{model['id']}"
            for candidate in accepted
            for model in candidate.descriptor["default_models"]
        ),
        diagnostics=sorted(notes.diagnostics),
        files=files,
        plausibility=_plausibility(accepted),
    )


def _plausibility(candidates: list[Candidate]) -> list[Diagnostic]:
    """validate's plausibility warnings on the descriptors as written (read back with the
    compiler's loader, which knows their lines)."""
    warnings: list[Diagnostic] = []
    for candidate in candidates:
        document, _ = load_descriptor(render(candidate), f"providers/{candidate.id}.yaml")
        if document is not None:
            warnings.extend(check_plausibility(document).warnings)
    return sorted(warnings)


def _schema_guard(candidates: list[Candidate], notes: Notes) -> list[Candidate]:
    """The candidates the JSON Schema accepts, should a repair rule have missed a case."""
    validator = Draft202012Validator(descriptor_schema())
    accepted = []
    for candidate in candidates:
        error = next(iter(validator.iter_errors(candidate.descriptor)), None)
        if error is None:
            accepted.append(candidate)
            continue
        where = "/".join(str(part) for part in error.absolute_path) or "descriptor"
        problem = f"would fail validation: {where}: {error.message[:200]}"
        notes.warn(candidate.where, LEFT_OUT_PROVIDER, problem)
    return accepted
