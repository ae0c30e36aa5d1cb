"""Diagnostics: problems found in a registry, collected as data and reported together.

Every problem carries a stable code so that CI logs, docs and tests can refer to it: ``E…``
codes are errors, ``W…`` codes warnings (what was repaired or left out, and nothing fails on
them). Only the CLI decides what a list of diagnostics means for the exit status.
"""

from __future__ import annotations

from dataclasses import dataclass

# Stable codes. Never renumber; retire a code by leaving it unused.
CODES: dict[str, str] = {
    # The registry as a whole.
    "E001": "registry-not-found",
    "E002": "unreadable-file",
    "E003": "not-a-descriptor-file",
    "E004": "empty-registry",
    # YAML: what the file says before any schema applies.
    "E101": "not-utf8",
    "E102": "yaml-syntax",
    "E103": "not-a-mapping",
    "E104": "duplicate-key",
    "E105": "unsupported-tag",
    "E106": "non-finite-number",
    "E107": "alias-expansion-too-large",
    "E108": "multiple-documents",
    "E109": "forbidden-character",
    "E110": "nesting-too-deep",
    "E111": "too-many-values",
    # Schema: the shape of one descriptor.
    "E201": "unknown-key",
    "E202": "missing-key",
    "E203": "wrong-type",
    "E204": "invalid-value",
    # Semantics: rules over the whole registry.
    "E301": "id-does-not-match-file",
    "E302": "duplicate-provider-id",
    "E303": "duplicate-key-env",
    "E304": "duplicate-model-id",
    "E305": "output-exceeds-context",
    "E306": "model-id-separator",
    "E307": "invalid-url",
    "E308": "insecure-url",
    "E309": "url-credentials",
    "E310": "logo-not-found",
    "E311": "unsafe-svg",
    "E312": "reasoning-mismatch",
    "E313": "credential-header",
    # E314-E319: context-limit samples (context_limit_examples) against the runtime's detection.
    "E314": "context-limit-sample-not-detected",
    "E315": "context-limit-sample-falsely-detected",
    "E320": "unknown-replacement-model",
    "E321": "replacement-loop",
    "E322": "replacement-deprecated",
    "E323": "unknown-silenced-code",
    "E324": "implementation-mismatch",
    # E330-E339: templated base URLs (variables), auth and fixed query parameters.
    "E330": "undeclared-url-variable",
    "E331": "unused-url-variable",
    "E332": "malformed-url-template",
    "E333": "invalid-variable-pattern",
    "E334": "variable-sample-mismatch",
    "E335": "auth-name-invalid",
    "E336": "auth-key-mismatch",
    "E337": "variable-env-is-key-env",
    "E338": "query-parameter-conflict",
    # E340-E349: prices and model lifecycles.
    "E340": "price-tiers-not-increasing",
    "E341": "lifecycle-conflict",
    "E342": "invalid-date",
    # Plausibility: values that are allowed but probably wrong (failing only under --strict;
    # a descriptor silences one with `silence: [{code, reason}]`).
    "W001": "cache-read-above-input-price",
    "W002": "cache-prices-swapped",
    "W003": "output-price-below-tenth-of-input",
    "W004": "implausible-context-window",
    "W005": "output-equals-context",
    "W006": "paid-model-without-pricing",
    "W007": "duplicate-display-name",
    "W008": "deprecated-without-replacement",
    # Breaking changes against a git ref (`llm-registry breaking`).
    "B001": "provider-removed",
    "B002": "model-removed",
    "B003": "key-variable-changed",
    "B004": "implementation-changed",
    "B005": "discovery-dialect-changed",
    "B006": "context-window-reduced",
    "B007": "max-output-tokens-reduced",
    "B008": "base-url-host-changed",
    "B009": "provider-class-changed",
    "B010": "attachment-kind-removed",
    "B011": "tool-support-removed",
    "B012": "reasoning-reduced",
    "B090": "invalid-allow-list",
    "W091": "descriptor-at-ref-unreadable",
    # Output.
    "E401": "generated-out-of-date",
    "W402": "schema-copy-out-of-date",
    # Importing models.dev: a field repaired to fit the registry's rules.
    "W501": "provider-id-renamed",
    "W502": "base-url-from-vendor-table",
    "W503": "base-url-trailing-slash-removed",
    "W504": "base-url-endpoint-path-removed",
    "W505": "docs-url-dropped",
    "W506": "display-name-from-id",
    "W507": "control-characters-removed",
    "W508": "display-name-truncated",
    "W509": "api-key-env-derived",
    "W510": "api-key-env-invalid-renamed",
    "W511": "api-key-env-duplicate-renamed",
    "W512": "max-output-tokens-filled-from-context",
    "W513": "max-output-tokens-clamped-to-context",
    "W514": "attachment-kind-unmapped",
    "W515": "wrong-type-dropped",
    "W516": "pricing-dropped-invalid",
    "W517": "reasoning-efforts-filtered",
    "W518": "reasoning-min-budget-dropped",
    "W519": "base-url-variables-from-template",
    # Importing models.dev: what could not be repaired is left out, saying why.
    "W521": "provider-left-out",
    "W522": "model-left-out",
    "W523": "logo-left-out",
}


MAX_MESSAGE_CHARS = 1000
"""The longest message a diagnostic carries; longer ones are cut in the middle."""


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One problem at one place. line and column are 1-based; 0 means "the whole file"."""

    path: str
    line: int
    column: int
    code: str
    message: str

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"unknown diagnostic code {self.code}")
        if len(self.message) > MAX_MESSAGE_CHARS:
            # A message quotes values from the file, which may be megabytes long: keep its two
            # ends (what is wrong, and the advice that usually closes it), never a huge line.
            half = MAX_MESSAGE_CHARS // 2
            cut = f"{self.message[:half]} … {self.message[-half:]}"
            object.__setattr__(self, "message", cut)

    @property
    def severity(self) -> str:
        """ "error" or "warning", from the code's letter."""
        return "warning" if self.code.startswith("W") else "error"

    def format(self, severity: str | None = None) -> str:
        """``path:line:col: severity[CODE]: message``; ``severity`` overrides the code's own
        (a warning failing under --strict is shown as an error, an allowed break as a note)."""
        where = self.path if self.line == 0 else f"{self.path}:{self.line}:{self.column}"
        return f"{where}: {severity or self.severity}[{self.code}]: {self.message}"


class CompileError(Exception):
    """Raised by a stage that cannot go on; carries every diagnostic found so far."""

    def __init__(self, diagnostics: list[Diagnostic]) -> None:
        super().__init__(f"{len(diagnostics)} error(s)")
        self.diagnostics = sorted(diagnostics)
