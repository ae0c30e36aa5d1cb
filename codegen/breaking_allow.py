"""Deliberate breaking changes, allowed by a reviewable marker: ``--allow CODE,…`` on the
command line, or an entry of the registry's allow-list file, which must give a reason::

    # registry/breaking-allow.yaml
    allow:
      - code: B002
        provider: openai
        model: gpt-4o          # optional: without it, the entry covers the whole provider
        reason: "retired by OpenAI on 2026-10-01; apps move to gpt-5.4"

An invalid entry is an error (B090) and allows nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from llm_registry.codegen.diagnostics import CODES, Diagnostic
from llm_registry.codegen.registry_files import read_regular_file
from llm_registry.codegen.yaml_loader import LoadedDocument, load_descriptor

__all__ = ["ALLOW_FILE", "BREAK_CODES", "Allowance", "load_allow_list", "parse_allow_option"]

ALLOW_FILE = "breaking-allow.yaml"
BREAK_CODES = tuple(code for code in CODES if code.startswith("B") and code < "B090")
_ENTRY_KEYS = ("code", "provider", "model", "reason")


@dataclass(frozen=True)
class Allowance:
    """One allowed break: a code, for one provider (and one model) or, from --allow, all."""

    code: str
    provider: str | None
    model: str | None
    why: str
    """Shown beside the allowed break: the file, line and reason, or the --allow option."""

    def covers(self, code: str, provider: str, model: str | None) -> bool:
        return (
            self.code == code
            and self.provider in (None, provider)
            and (self.model is None or self.model == model)
        )


def parse_allow_option(values: list[str]) -> list[Allowance]:
    """--allow B002,B006 (repeatable); ValueError naming an unknown code."""
    allowances = []
    for value in values:
        for code in filter(None, (part.strip().upper() for part in value.split(","))):
            if code not in BREAK_CODES:
                raise ValueError(
                    f"--allow {code}: not a breaking-change code (known: {', '.join(BREAK_CODES)})"
                )
            allowances.append(Allowance(code, None, None, f"--allow {code}"))
    return allowances


def load_allow_list(registry: Path) -> tuple[list[Allowance], list[Diagnostic]]:
    """The allow-list file's entries (none when the file is absent) and its problems."""
    path = registry / ALLOW_FILE
    if not path.exists():
        return [], []
    data, problem = read_regular_file(path)
    if data is None:
        return [], [Diagnostic(str(path), 0, 0, "B090", problem)]
    document, problems = load_descriptor(data, str(path))
    if document is None or problems:
        return [], [replace_code(problem) for problem in problems]
    entries = document.value.get("allow")
    extra = sorted(set(document.value) - {"allow"})
    diagnostics = []
    if extra or not isinstance(entries, list):
        at = document.position_of((extra[0],) if extra else ("allow",), key=True)
        message = "the allow-list is a mapping with one key, allow: a list of entries"
        diagnostics.append(Diagnostic(str(path), at.line, at.column, "B090", message))
    allowances = []
    for index, entry in enumerate(entries if isinstance(entries, list) else []):
        allowance, entry_problem = _entry(document, index, entry)
        if allowance is not None:
            allowances.append(allowance)
        if entry_problem is not None:
            diagnostics.append(entry_problem)
    return allowances, diagnostics


def replace_code(problem: Diagnostic) -> Diagnostic:
    """A YAML problem of the allow-list, reported under the allow-list's own code."""
    message = f"{problem.message} ({problem.code})"
    return Diagnostic(problem.path, problem.line, problem.column, "B090", message)


def _entry(
    document: LoadedDocument, index: int, entry: Any
) -> tuple[Allowance | None, Diagnostic | None]:
    def problem(message: str, *key: str) -> tuple[None, Diagnostic]:
        at = document.position_of(("allow", index, *key))
        return None, Diagnostic(document.path, at.line, at.column, "B090", message)

    if not isinstance(entry, dict):
        return problem("an allow-list entry is a mapping: {code, provider, model?, reason}")
    unknown = sorted(set(entry) - set(_ENTRY_KEYS))
    if unknown:
        return problem(f"unknown key {unknown[0]!r} (known: {', '.join(_ENTRY_KEYS)})", unknown[0])
    code, provider, model, reason = (entry.get(key) for key in _ENTRY_KEYS)
    if code not in BREAK_CODES:
        return problem(f"code must be one of {', '.join(BREAK_CODES)}, not {code!r}", "code")
    if not isinstance(provider, str) or not provider:
        return problem("provider (the provider id the break is in) is required", "provider")
    if model is not None and (not isinstance(model, str) or not model):
        return problem("model must be a model id", "model")
    if not isinstance(reason, str) or not reason.strip():
        return problem("reason is required: say why this break is deliberate", "reason")
    line = document.position_of(("allow", index)).line
    why = f"allowed by {document.path}:{line}: {reason.strip()}"
    return Allowance(code, provider, model, why), None
