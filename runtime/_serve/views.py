"""What the settings page shows, as data: a key card per provider (with the fields of a
templated base URL), a section per provider's models, and the outcome of a test or refresh in
words. `settings` fills them; the templates in ``page/`` only place them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from llm_registry.runtime._errors import redact

if TYPE_CHECKING:
    from llm_registry.runtime._discovery.service import DiscoveryResult
    from llm_registry.runtime._errors import ProviderError
    from llm_registry.runtime._store.records import ModelInfo

__all__ = [
    "KeyForm",
    "Logo",
    "Outcome",
    "ProviderModels",
    "VariableField",
    "age_in_words",
    "in_words",
    "outcome_of",
]

# What each kind of failure means to someone looking at a key card or a refresh summary.
_KIND_WORDS = {
    "auth": "wrong key",
    "rate_limit": "rate limited",
    "unavailable": "unreachable",
    "config": "not set up",
    "bad_request": "refused the request",
    "context_limit": "refused the request",
}


@dataclass(frozen=True, slots=True)
class Logo:
    """A provider's logo: the file in the registry's logo folder, and whether it is a dark
    drawing on a transparent ground that dark mode should invert."""

    file: str
    invert_in_dark_mode: bool


@dataclass(frozen=True, slots=True)
class VariableField:
    """A field of a key card for one variable of a templated base URL (an Azure resource, an
    AWS region): the registry's spec, and the value a request would use now."""

    name: str
    label: str
    placeholder: str
    env: str | None
    default: str | None
    pattern: str | None
    stored: str | None  # the value saved in the key store, if any
    value: str | None  # the value in use: the environment's, else the stored one, else default
    source: str | None  # "environment", "key store" or "default"


@dataclass(frozen=True, slots=True)
class KeyForm:
    """One provider's key card: the registry's key-form spec plus where its key comes from."""

    provider_id: str
    display_name: str
    env: str
    placeholder: str
    key_url: str
    logo: Logo
    key_source: str | None  # "environment" or "key store"; None when no key is set
    masked_key: str | None  # "••••abcd" — never more of the key
    variables: tuple[VariableField, ...]


@dataclass(frozen=True, slots=True)
class ProviderModels:
    """One provider's section of the model list."""

    provider_id: str
    display_name: str
    logo: Logo
    needs_key: bool
    has_key: bool
    status: str  # where the list comes from, in words
    models: tuple[ModelInfo, ...]


@dataclass(frozen=True, slots=True)
class Outcome:
    """A key test or one provider's refresh, in words the page shows as they are."""

    provider_id: str
    ok: bool  # the provider answered with a live listing
    models: int
    source: str  # "api", "cache", "fallback", or "skipped" (a base-URL variable has no value)
    message: str

    def as_json(self) -> dict[str, Any]:
        return {
            "provider_id": self.provider_id,
            "ok": self.ok,
            "models": self.models,
            "source": self.source,
            "message": self.message,
        }


def outcome_of(result: DiscoveryResult, keys: list[str]) -> Outcome:
    count = len(result.models)
    noun = "model" if count == 1 else "models"
    if result.error is None:
        where = {"api": "listed live", "cache": "from the cache"}.get(
            result.source, "from the registry"
        )
        return Outcome(
            result.provider_id,
            result.source == "api",
            count,
            result.source,
            f"✓ {count} {noun}, {where}",
        )
    shown = {"cache": "showing the cached list", "fallback": "showing the registry's list"}
    return Outcome(
        result.provider_id,
        False,
        count,
        result.source,
        f"✗ {in_words(result.error, keys)} — {shown.get(result.source, 'showing')} "
        f"({count} {noun})",
    )


def in_words(error: ProviderError, keys: list[str]) -> str:
    words = _KIND_WORDS.get(error.kind, "failed")
    return redact(f"{words.capitalize()}: {error.message}", *keys)


def age_in_words(seconds: float) -> str:
    if seconds < 90:
        return "a minute"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} minutes"
    if seconds < 36 * 3600:
        return f"{round(seconds / 3600)} hours"
    return f"{round(seconds / 86400)} days"
