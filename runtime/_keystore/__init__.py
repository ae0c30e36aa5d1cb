"""Where a user's API keys are kept: the system keychain, else a file only the user can read.

:func:`default_key_store` picks one per process: the system keychain through the ``keyring``
library when it has a usable backend (keyring's own choice, which honours its
``PYTHON_KEYRING_BACKEND`` variable and ``keyringrc.cfg``), else the JSON file
``keys.json`` in the user config folder (``platformdirs.user_config_path("llm-registry")``).
The environment variable ``LLM_REGISTRY_KEY_STORE`` forces one: ``keyring`` or ``file``.

Both stores keep one key per provider id and refuse a key no HTTP header can carry before
storing it. Their errors are :class:`ConfigError` naming the store, never quoting a key.
Neither ``keyring`` nor ``platformdirs`` is imported until a store is actually used.

The stores are in `keychain` and `file_store` (which says how the file is kept safe), their
protocol in `base`; this module chooses between them and is where the rest of the runtime
imports them from.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Final

from llm_registry.runtime._errors import ConfigError
from llm_registry.runtime._keystore.base import KEY_STORE_ENV, KeyStore
from llm_registry.runtime._keystore.file_store import FileKeyStore
from llm_registry.runtime._keystore.keychain import KeyringKeyStore, keyrings_choice, usable_backend

__all__ = [
    "KEY_STORE_ENV",
    "FileKeyStore",
    "KeyStore",
    "KeyringKeyStore",
    "default_key_file",
    "default_key_store",
]

_STORE_CHOICES: Final = ("keyring", "file")


def default_key_file() -> Path:
    """The key file :func:`default_key_store` uses when there is no usable keychain."""
    import platformdirs

    return platformdirs.user_config_path("llm-registry") / "keys.json"


@functools.cache
def default_key_store() -> KeyStore:
    """The key store of this process (decided once, then cached; ``cache_clear()`` forgets).

    ``LLM_REGISTRY_KEY_STORE=keyring`` or ``=file`` forces one; otherwise the system keychain
    when keyring has a usable backend, else :func:`default_key_file`. Raises
    :class:`ConfigError` for another value of the variable, for a keyring backend that cannot
    be loaded, or for ``keyring`` forced when keyring has no usable backend.
    """
    forced = os.environ.get(KEY_STORE_ENV, "").strip().lower()
    if forced not in ("", *_STORE_CHOICES):
        raise ConfigError(
            f"{KEY_STORE_ENV} is {forced!r}; use 'keyring' (the system keychain) or 'file' "
            f"(a file only you can read), or leave it unset to choose the keychain when there "
            "is one"
        )
    if forced == "file":
        return FileKeyStore(default_key_file())
    backend = keyrings_choice()
    if usable_backend(backend):
        return KeyringKeyStore(backend=backend)
    if forced == "keyring":
        raise ConfigError(
            f"{KEY_STORE_ENV}=keyring, but keyring has no usable backend here "
            f"({type(backend).__module__}.{type(backend).__name__}); install one, or set "
            f"{KEY_STORE_ENV}=file"
        )
    return FileKeyStore(default_key_file())
