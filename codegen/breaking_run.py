"""``llm-registry breaking``: load the registry at a git ref (or in another folder) and in the
working tree, compare them, and sort the breaks into failures and allowed ones (notes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from llm_registry.codegen.breaking import Break, compare_descriptors
from llm_registry.codegen.breaking_allow import Allowance, load_allow_list
from llm_registry.codegen.breaking_git import registry_at_ref
from llm_registry.codegen.diagnostics import Diagnostic
from llm_registry.codegen.registry_files import descriptor_files, read_regular_file
from llm_registry.codegen.yaml_loader import LoadedDocument, load_descriptor

__all__ = ["BreakingReport", "against_dir", "against_ref"]


@dataclass
class BreakingReport:
    against: str
    """What the registry was compared with, for people: the ref and its commit, or a folder."""
    failures: list[Diagnostic] = field(default_factory=list)
    """Unallowed breaks, and problems that make the comparison incomplete or wrong."""
    allowed: list[Diagnostic] = field(default_factory=list)
    """Allowed breaks, their message ending with who allowed them."""
    unreadable: list[Diagnostic] = field(default_factory=list)
    """W091: old-side files that could not be compared."""


def against_ref(registry: Path, ref: str, allowances: list[Allowance]) -> BreakingReport:
    """Compare the registry at git ``ref`` with the working tree. RefError when the ref (or
    the repository) is missing."""
    at_ref = registry_at_ref(registry, ref)
    label = f"{ref} ({at_ref.commit[:12]})"
    report = BreakingReport(label)
    old = _load_old(registry, at_ref.files, ref, report)
    for name in at_ref.too_large:
        report.unreadable.append(_unreadable(registry, name, ref, "it is too large to read"))
    return _compare(registry, old, ref, allowances, report)


def against_dir(registry: Path, other: Path, allowances: list[Allowance]) -> BreakingReport:
    """Compare the registry in folder ``other`` (the old side) with ``registry``."""
    report = BreakingReport(str(other))
    files, _ = descriptor_files(other)
    contents = {}
    for path in files:
        data, problem = read_regular_file(path)
        if data is None:
            report.unreadable.append(_unreadable(registry, path.name, str(other), problem))
        else:
            contents[path.name] = data
    old = _load_old(registry, contents, str(other), report)
    return _compare(registry, old, str(other), allowances, report)


def _shown_path(registry: Path, name: str) -> str:
    """The working tree's path of a descriptor, as the report names both sides' files."""
    return f"{registry}/providers/{name}"


def _unreadable(registry: Path, name: str, where: str, why: str) -> Diagnostic:
    message = f"cannot compare this file with {where}: {why}; its changes are not checked"
    return Diagnostic(_shown_path(registry, name), 0, 0, "W091", message)


def _load_old(
    registry: Path, files: dict[str, bytes], where: str, report: BreakingReport
) -> dict[str, LoadedDocument]:
    documents = {}
    for name, data in files.items():
        document, problems = load_descriptor(data, _shown_path(registry, name))
        if document is None or problems:
            first = problems[0]
            why = f"at {where} it is not a valid descriptor ({first.code} at line {first.line}: "
            report.unreadable.append(_unreadable(registry, name, where, why + first.message + ")"))
            continue
        documents[name] = document
    return documents


def _load_new(registry: Path, report: BreakingReport) -> dict[str, LoadedDocument] | None:
    """The working tree's descriptors; None (its problems reported as failures) when one
    cannot be loaded: breaks cannot be judged against a file that does not parse."""
    files, problems = descriptor_files(registry)
    documents = {}
    for path in files:
        data, problem = read_regular_file(path)
        if data is None:
            problems.append(Diagnostic(str(path), 0, 0, "E002", problem))
            continue
        document, load_problems = load_descriptor(data, _shown_path(registry, path.name))
        problems.extend(load_problems)
        if document is not None:
            documents[path.name] = document
    report.failures.extend(problems)
    return None if problems else documents


def _compare(
    registry: Path,
    old: dict[str, LoadedDocument],
    where: str,
    allowances: list[Allowance],
    report: BreakingReport,
) -> BreakingReport:
    listed, problems = load_allow_list(registry)
    report.failures.extend(problems)
    new = _load_new(registry, report)
    if new is None:
        return report
    for found in compare_descriptors(old, new, where):
        allowance = _allowance(found, [*allowances, *listed])
        if allowance is None:
            report.failures.append(found.diagnostic)
        else:
            diagnostic = found.diagnostic
            message = f"{diagnostic.message} ({allowance.why})"
            report.allowed.append(
                Diagnostic(
                    diagnostic.path, diagnostic.line, diagnostic.column, diagnostic.code, message
                )
            )
    return report


def _allowance(found: Break, allowances: list[Allowance]) -> Allowance | None:
    code = found.diagnostic.code
    return next((a for a in allowances if a.covers(code, found.provider, found.model)), None)
