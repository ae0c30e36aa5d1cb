"""Keyring backends for the key-store tests, written on keyring's own backend interface.

``MemoryKeyring`` keeps passwords in a dict; ``LockedKeyring`` fails as a locked keychain
does. Both have a priority below zero, so keyring's own detection never picks them for a
process that did not ask for them (``PYTHON_KEYRING_BACKEND`` or ``keyring.set_keyring``).
"""

from __future__ import annotations

from keyring.backend import KeyringBackend
from keyring.backends.chainer import ChainerBackend
from keyring.errors import KeyringLocked, PasswordDeleteError

__all__ = ["EmptyChainer", "LockedKeyring", "MemoryKeyring"]


class MemoryKeyring(KeyringBackend):
    """Passwords in memory, per instance."""

    priority = -1  # below every real backend: never detected

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.passwords: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.passwords.pop((service, username), None) is None:
            raise PasswordDeleteError("no such password")


class LockedKeyring(KeyringBackend):
    """A keychain that stays locked; its message on a write quotes what it was given, as a
    careless backend might."""

    priority = -1

    def __init__(self) -> None:
        super().__init__()  # type: ignore[no-untyped-call]

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("the collection is locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringLocked(f"cannot store {password} while locked")

    def delete_password(self, service: str, username: str) -> None:
        raise KeyringLocked("the collection is locked")


class EmptyChainer(ChainerBackend):
    """keyring's chainer when no backend is there to chain."""

    backends = ()
