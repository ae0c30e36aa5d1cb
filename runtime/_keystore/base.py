"""What every key store is: the :class:`KeyStore` protocol, the check a key passes before any
store keeps it, and the variable that forces one store or the other (read by
`runtime._keystore`, named in the stores' errors).
"""

from __future__ import annotations

from typing import Final, Protocol

from llm_registry.runtime._errors import ConfigError
from llm_registry.runtime._keys import checked_key_text

__all__ = ["KEY_STORE_ENV", "KeyStore", "checked_new_key"]

KEY_STORE_ENV: Final = "LLM_REGISTRY_KEY_STORE"


class KeyStore(Protocol):
    """One place a user's keys are kept, one key per provider id."""

    @property
    def location(self) -> str:
        """Where the keys are, in words for the user ("the file /home/u/…/keys.json")."""
        ...

    def get(self, provider_id: str) -> str | None:
        """The key stored for ``provider_id``, or None."""
        ...

    def set(self, provider_id: str, key: str) -> None:
        """Store ``key`` (surrounding whitespace dropped) for ``provider_id``, replacing any."""
        ...

    def delete(self, provider_id: str) -> bool:
        """Remove ``provider_id``'s key; True when there was one."""
        ...


def checked_new_key(provider_id: str, key: str) -> str:
    """``key`` without surrounding whitespace, if it is a key an HTTP header can carry; else a
    :class:`ConfigError` that does not quote it."""
    if not provider_id or not provider_id.strip():
        raise ConfigError("a key needs the id of its provider; none was given")
    stripped = key.strip()
    if not stripped:
        raise ConfigError(f"the key to store for {provider_id!r} is empty", provider_id=provider_id)
    return checked_key_text(
        stripped, what=f"the key to store for {provider_id!r}", provider_id=provider_id
    )
