"""Context-limit detection: does an error message mean "your prompt is too long"?

Each provider lists its own phrasings in its descriptor (``context_limit_patterns``); the
built-in list below holds the phrasings common server software uses, so that a provider whose
descriptor misses one (or a server behind ``--base-url`` that is not the provider's own) is
still recognised. Matching is case-insensitive substring search.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from llm_registry.runtime._errors import ProviderError
from llm_registry.runtime._registry import get_provider
from llm_registry.runtime._rules import MODEL_ID_SEPARATOR

if TYPE_CHECKING:
    from llm_registry.runtime._descriptor import ProviderDescriptor
    from llm_registry.runtime._registry import Registry

__all__ = ["BUILTIN_CONTEXT_LIMIT_PATTERNS", "detect_context_limit_error", "matches_context_limit"]

# Lower-case; each a phrasing some server really sends (the server in parentheses).
BUILTIN_CONTEXT_LIMIT_PATTERNS: tuple[str, ...] = (
    "maximum context length is",  # OpenAI, DeepSeek, vLLM
    "context_length_exceeded",  # OpenAI's error code
    "context window exceeded",
    "context length exceeded",
    "model_context_window_exceeded",  # Anthropic's stop reason
    "prompt is too long",  # Anthropic
    "exceed context limit",
    "exceeded model token limit",  # Moonshot AI
    "exceeds the available context size",  # llama.cpp server, LM Studio
    "exceeds the maximum number of tokens allowed",  # Gemini
    "is longer than the model's context length",  # vLLM
    "input tokens exceed the configured limit",  # OpenAI (Responses-era models)
    # Mistral ("..., too large for model with 32768 maximum context length"); not Groq's 413
    # "Request too large for model `…` … on tokens per minute", a rate limit.
    "too large for model with",
    "length of all messages is too long",
    "maximum prompt length is",  # xAI
    "reduce the length of the messages",  # OpenAI-compatible servers (Cerebras, Groq)
    "`inputs` tokens + `max_new_tokens`",  # Hugging Face TGI (Together and others)
)


def matches_context_limit(message: str, patterns: Iterable[str] = ()) -> bool:
    """Whether ``message`` holds a built-in phrasing or one of ``patterns``."""
    lowered = message.lower()
    if any(pattern in lowered for pattern in BUILTIN_CONTEXT_LIMIT_PATTERNS):
        return True
    return any(pattern.lower() in lowered for pattern in patterns if pattern)


def _descriptor_for(model_id: str, registry: Registry | None) -> ProviderDescriptor | None:
    provider_id = model_id.partition(MODEL_ID_SEPARATOR)[0]
    try:
        return get_provider(provider_id, registry=registry)
    except ProviderError:
        return None


def detect_context_limit_error(
    message: str, model_id: str, *, registry: Registry | None = None
) -> bool:
    """Whether ``message``, an error from the provider of ``model_id``, means the prompt overflowed.

    ``model_id`` is ``"<provider>::<model>"`` (a bare provider id works too). It picks the
    patterns of that provider in ``registry`` (default: the curated one); for an id the
    registry does not know, only the built-in phrasings are used — this is a predicate for
    error paths, so it never raises.
    """
    if not message:
        return False
    descriptor = _descriptor_for(model_id, registry) if isinstance(model_id, str) else None
    patterns = descriptor.context_limit_patterns if descriptor is not None else ()
    return matches_context_limit(message, patterns)
