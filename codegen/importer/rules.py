"""The repair rules: how a models.dev value is made to fit the registry's rules, or why it
cannot be.

Each rule is a small function that returns the repaired value (None when there is none) and
notes what it did as a warning with a stable code (``W5xx`` in codegen/diagnostics.py),
through :class:`Notes`. Nothing here reads or writes files.
"""

from __future__ import annotations

import math
import re
from typing import Any

from llm_registry.codegen.diagnostics import Diagnostic
from llm_registry.codegen.urls import url_problem
from llm_registry.runtime._rules import ATTACHMENT_KINDS, MAX_DISPLAY_NAME, UNSAFE_TEXT

# Vendors whose provider.toml names no `api` (their AI SDK package knows it) but whose API root
# is fixed and public. Vendors whose URL depends on the user's account, region or resource are
# in endpoints.py.
KNOWN_BASE_URLS: dict[str, str] = {
    "aihubmix": "https://aihubmix.com/v1",
    "anthropic": "https://api.anthropic.com/v1",
    "cerebras": "https://api.cerebras.ai/v1",
    "cohere": "https://api.cohere.ai/compatibility/v1",
    "deepinfra": "https://api.deepinfra.com/v1/openai",
    "google": "https://generativelanguage.googleapis.com/v1beta",
    "groq": "https://api.groq.com/openai/v1",
    # https://docs.merge.dev/merge-gateway/api-overview/chat-completions/create
    "merge-gateway": "https://api-gateway.merge.dev/v1",
    "mistral": "https://api.mistral.ai/v1",
    "openai": "https://api.openai.com/v1",
    "perplexity": "https://api.perplexity.ai",
    "togetherai": "https://api.together.xyz/v1",
    "v0": "https://api.v0.dev/v1",
    "venice": "https://api.venice.ai/api/v1",
    "vercel": "https://ai-gateway.vercel.sh/v1",
    "xai": "https://api.x.ai/v1",
}

_PROVIDER_ID_MAX = 64
_URL_MAX = 2048
_EFFORT = re.compile(r"^[a-z][a-z0-9_-]*$")
# What the registry refuses in text shown on one line, and the two noncharacters YAML cannot
# hold: nothing a display name or URL should hold.
CONTROL = re.compile(f"(?:{UNSAFE_TEXT.pattern}|[\ufffe\uffff])+")
_ENDPOINT_SUFFIXES = ("/chat/completions", "/completions", "/messages")

# What could not be repaired is left out, under one of these codes.
LEFT_OUT_PROVIDER, LEFT_OUT_MODEL, LEFT_OUT_LOGO = "W521", "W522", "W523"


class Notes:
    """The import's warnings, as the compiler's diagnostics; paths are relative to the
    checkout, and name the file a warning is about."""

    def __init__(self) -> None:
        self.diagnostics: list[Diagnostic] = []

    def warn(self, path: str, code: str, message: str) -> None:
        self.diagnostics.append(Diagnostic(path, 0, 0, code, message))


def string(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def strings(value: Any) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def table(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def positive_int(value: Any) -> int | None:
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    return None


# --- providers ---------------------------------------------------------------------------------


def provider_id(folder: str) -> str:
    """The folder name made a valid provider id: lower case, runs of other characters as '-'
    (the provider's builder notes W501 when that changes it)."""
    slug = re.sub(r"[^a-z0-9]+", "-", folder.lower()).strip("-")
    if not slug or not slug[0].isalpha():
        slug = f"provider-{slug}".rstrip("-")
    return slug[:_PROVIDER_ID_MAX].rstrip("-")


def without_trailing_slash(api: str, notes: Notes, where: str) -> str:
    if not api.endswith("/"):
        return api
    notes.warn(where, "W503", f"trailing '/' removed from the base URL {api}")
    return api.rstrip("/")


def without_endpoint_path(api: str, notes: Notes, where: str) -> str:
    for suffix in _ENDPOINT_SUFFIXES:
        if api.endswith(suffix):
            notes.warn(where, "W504", f"endpoint path {suffix} removed from the base URL {api}")
            return api[: -len(suffix)]
    return api


def docs_url(value: Any, notes: Notes, where: str) -> str | None:
    """An https page for people, or nothing (W505 when one was given but is unusable)."""
    url = string(value)
    if url is None:
        return None
    if (
        CONTROL.search(url)
        or url_problem(url, allow_loopback_http=False, is_base=False)
        or len(url) > _URL_MAX
    ):
        notes.warn(where, "W505", f"doc {url[:100]!r} dropped: not a usable https URL")
        return None
    return url


def display_name(value: Any, fallback: str, notes: Notes, where: str) -> str:
    """A one-line name of at most 200 characters; the id when there is none (W506-W508)."""
    name = string(value)
    cleaned = name.strip() if name is not None else ""
    if CONTROL.search(cleaned):
        # A tab or line break inside a name was meant as a space; runs of them become one.
        cleaned = " ".join(CONTROL.sub(" ", cleaned).split())
        notes.warn(where, "W507", "control characters in the name replaced by spaces")
    if not cleaned:
        notes.warn(where, "W506", f"no usable name: shown as its id {fallback!r}")
        return fallback[:MAX_DISPLAY_NAME]
    if len(cleaned) > MAX_DISPLAY_NAME:
        notes.warn(where, "W508", f"name truncated to {MAX_DISPLAY_NAME} characters")
        cleaned = cleaned[:MAX_DISPLAY_NAME].rstrip()
    return cleaned


# --- models ------------------------------------------------------------------------------------


def max_output_tokens(value: Any, context: int, notes: Notes, where: str) -> int:
    """limit.output, at most the context window (W512 when missing, W513 when above)."""
    output = positive_int(value)
    if output is None:
        notes.warn(where, "W512", f"no usable limit.output: the context window ({context})")
        return context
    if output > context:
        notes.warn(where, "W513", f"limit.output {output} above the context window: {context}")
        return context
    return output


def attachments(inputs: list[str], notes: Notes, where: str) -> list[str]:
    """The input modalities that are attachment kinds, in the schema's order (W514 for each
    one that is not, such as audio or video)."""
    for kind in sorted(set(inputs) - set(ATTACHMENT_KINDS)):
        notes.warn(where, "W514", f"input modality {kind!r} has no attachment kind: left out")
    return [kind for kind in ATTACHMENT_KINDS if kind in inputs]


def flag(value: Any, key: str, notes: Notes, where: str) -> bool | None:
    """A boolean, or nothing (W515 when the value is of another type)."""
    if value is None or isinstance(value, bool):
        return value
    notes.warn(where, "W515", f"{key} is not a boolean: dropped")
    return None


def price(value: Any) -> float | None:
    """A finite, non-negative price as a float; + 0.0 turns -0.0 into 0.0, so a price always
    prints the same."""
    if (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value >= 0
    ):
        return float(value) + 0.0
    return None


def reasoning(options: Any, notes: Notes, where: str) -> dict[str, Any]:
    """Effort levels when the model offers them, else a token budget, else reasoning without
    control."""
    entries = (
        [entry for entry in options if isinstance(entry, dict)] if isinstance(options, list) else []
    )
    for entry in entries:
        if entry.get("type") == "effort":
            efforts = _efforts(strings(entry.get("values")), notes, where)
            if efforts:
                return {"mode": "effort", "efforts": efforts}
    for entry in entries:
        if entry.get("type") == "budget_tokens":
            return _budget(entry.get("min"), notes, where)
    return {"mode": "always"}


def _efforts(values: list[str], notes: Notes, where: str) -> list[str]:
    efforts = list(
        dict.fromkeys(value for value in values if _EFFORT.match(value) and value != "null")
    )
    if len(efforts) != len(values):
        notes.warn(
            where, "W517", f"reasoning efforts {values} kept as the distinct names {efforts}"
        )
    return efforts


def _budget(minimum: Any, notes: Notes, where: str) -> dict[str, Any]:
    budget: dict[str, Any] = {"mode": "budget_tokens"}
    if positive_int(minimum) is not None:
        budget["min_budget_tokens"] = positive_int(minimum)
    elif minimum is not None:
        notes.warn(where, "W518", f"reasoning minimum budget {minimum!r} is not positive: dropped")
    return budget
