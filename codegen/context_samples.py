"""Context-limit samples: a descriptor's ``context_limit_examples`` prove its patterns.

Each sample is a real error response (status and body). The runtime's own error mapping
(``error_from_response``, the function every wire format calls) reads it with the descriptor's
``context_limit_patterns``: a ``match`` sample must come out a ``ContextLimitError`` (E314), a
``no_match`` sample must not (E315). Reusing the runtime's mapping rather than re-implementing
it means a sample proves what users will see, body parsing included.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from llm_registry.codegen.diagnostics import Diagnostic
from llm_registry.codegen.yaml_loader import LoadedDocument

if TYPE_CHECKING:
    from llm_registry.runtime._descriptor import ProviderDescriptor

__all__ = ["EXAMPLES_KEY", "context_sample_diagnostics", "is_context_limit_response"]

EXAMPLES_KEY = "context_limit_examples"

# How much of a body a diagnostic quotes: enough to recognise the sample.
_QUOTED_CHARS = 80


@dataclass(frozen=True)
class _SampleProvider:
    """What the error mapping reads of a descriptor, taken from the one being validated."""

    id: str
    display_name: str
    context_limit_patterns: Sequence[str]
    api_key: None = None


def is_context_limit_response(
    status: int, body: str, patterns: Sequence[str], provider_id: str = "provider"
) -> bool:
    """Whether the runtime maps this response, from a provider with ``patterns``, to a
    ContextLimitError."""
    from llm_registry.runtime._error_mapping import error_from_response
    from llm_registry.runtime._errors import ContextLimitError

    provider = _SampleProvider(provider_id, provider_id, tuple(patterns))
    error = error_from_response(
        cast("ProviderDescriptor", provider), None, status=status, body=body
    )
    return isinstance(error, ContextLimitError)


def _quoted(body: str) -> str:
    text = " ".join(body.split())
    return repr(text if len(text) <= _QUOTED_CHARS else text[: _QUOTED_CHARS - 1] + "…")


def _patterns(value: dict[str, Any]) -> list[str]:
    patterns = value.get("context_limit_patterns")
    if not isinstance(patterns, list):
        return []
    return [pattern for pattern in patterns if isinstance(pattern, str)]


def context_sample_diagnostics(document: LoadedDocument) -> list[Diagnostic]:
    """E314 for each ``match`` sample the runtime would not detect, E315 for each ``no_match``
    sample it would; samples of the wrong shape are left to the schema check."""
    value = document.value
    examples = value.get(EXAMPLES_KEY)
    if not isinstance(examples, dict):
        return []
    patterns = _patterns(value)
    provider_id = value.get("id") if isinstance(value.get("id"), str) else "provider"
    diagnostics: list[Diagnostic] = []
    for group, expected in (("match", True), ("no_match", False)):
        samples = examples.get(group)
        if not isinstance(samples, list):
            continue
        for index, sample in enumerate(samples):
            if not isinstance(sample, dict):
                continue
            status, body = sample.get("status"), sample.get("body")
            if not isinstance(status, int) or isinstance(status, bool) or not isinstance(body, str):
                continue
            if is_context_limit_response(status, body, patterns, str(provider_id)) == expected:
                continue
            position = document.position_of((EXAMPLES_KEY, group, index))
            if expected:
                code = "E314"
                message = (
                    f"context-limit sample {_quoted(body)} (HTTP {status}) is not detected: no "
                    "context_limit_patterns entry nor built-in phrasing is found in it; add the "
                    "provider's wording to context_limit_patterns"
                )
            else:
                code = "E315"
                message = (
                    f"no_match sample {_quoted(body)} (HTTP {status}) is read as a context-limit "
                    "error: a context_limit_patterns entry or a built-in phrasing is found in it; "
                    "narrow that entry"
                )
            diagnostics.append(
                Diagnostic(document.path, position.line, position.column, code, message)
            )
    return diagnostics
