"""The keyring key store: keys in the system keychain through the ``keyring`` library, and
which of keyring's backends can keep one. ``keyring`` is imported on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from llm_registry.runtime._errors import ConfigError, redact
from llm_registry.runtime._keystore.base import KEY_STORE_ENV, checked_new_key

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

__all__ = ["KEYRING_SERVICE", "KeyringKeyStore", "keyrings_choice", "usable_backend"]

KEYRING_SERVICE: Final = "llm-registry"


class KeyringKeyStore:
    """Keys in the system keychain, through the ``keyring`` library: one entry per provider,
    under ``service``, with the provider id as the user name.

    ``backend`` is the keyring backend to use (default: keyring's own choice,
    ``keyring.get_keyring()``, looked up on first use).
    """

    def __init__(
        self, service: str = KEYRING_SERVICE, *, backend: KeyringBackend | None = None
    ) -> None:
        self.service = service
        self._backend = backend

    @property
    def backend(self) -> KeyringBackend:
        """The keyring backend in use; a :class:`ConfigError` if keyring cannot load one."""
        if self._backend is None:
            self._backend = keyrings_choice()
        return self._backend

    @property
    def location(self) -> str:
        return f"the system keychain ({_backend_name(self.backend)})"

    def get(self, provider_id: str) -> str | None:
        backend = self.backend
        try:
            return backend.get_password(self.service, provider_id)
        except Exception as error:  # any backend's failure: D-Bus, a locked keychain, …
            raise self._failure("read the key for", provider_id, error) from None

    def set(self, provider_id: str, key: str) -> None:
        key = checked_new_key(provider_id, key)
        backend = self.backend
        try:
            backend.set_password(self.service, provider_id, key)
        except Exception as error:
            raise self._failure("store the key for", provider_id, error, key) from None

    def delete(self, provider_id: str) -> bool:
        if self.get(provider_id) is None:
            return False
        try:
            self.backend.delete_password(self.service, provider_id)
        except Exception as error:
            raise self._failure("remove the key for", provider_id, error) from None
        return True

    def _failure(
        self, action: str, provider_id: str, error: Exception, key: str | None = None
    ) -> ConfigError:
        # A backend's message is its own text: the key being stored is kept out of it.
        reason = redact(f"{type(error).__name__}: {error}", key)
        return ConfigError(
            f"cannot {action} {provider_id!r} in {self.location}: {reason} (unlock the "
            f"keychain, or set {KEY_STORE_ENV}=file to keep keys in a file instead)",
            provider_id=provider_id,
        )


def _backend_name(backend: KeyringBackend) -> str:
    name = getattr(type(backend), "name", None)
    return name if isinstance(name, str) and name else type(backend).__name__


def keyrings_choice() -> KeyringBackend:
    """The backend keyring chose (or an app set with ``keyring.set_keyring``)."""
    import keyring

    try:
        return keyring.get_keyring()
    except Exception as error:  # a keyringrc.cfg or PYTHON_KEYRING_BACKEND naming no backend
        raise ConfigError(
            f"keyring could not load its backend ({type(error).__name__}: {error}); fix "
            f"PYTHON_KEYRING_BACKEND or keyring's keyringrc.cfg, or set {KEY_STORE_ENV}=file"
        ) from None


def usable_backend(backend: KeyringBackend) -> bool:
    """Whether ``backend`` can keep a key: not keyring's failing or null placeholder, nor a
    chainer with nothing to chain."""
    from keyring.backends import chainer, fail, null

    if isinstance(backend, fail.Keyring | null.Keyring):
        return False  # none at all, or keyring turned off by the user (`keyring --disable`)
    if isinstance(backend, chainer.ChainerBackend):
        return len(backend.backends) > 0
    return True
