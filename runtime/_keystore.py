"""Where a user's API keys are kept: the system keychain, else a file only the user can read.

:func:`default_key_store` picks one per process: the system keychain through the ``keyring``
library when it has a usable backend (keyring's own choice, which honours its
``PYTHON_KEYRING_BACKEND`` variable and ``keyringrc.cfg``), else the JSON file
``keys.json`` in the user config folder (``platformdirs.user_config_path("llm-registry")``).
The environment variable ``LLM_REGISTRY_KEY_STORE`` forces one: ``keyring`` or ``file``.

Both stores keep one key per provider id and refuse a key no HTTP header can carry before
storing it. Their errors are :class:`ConfigError` naming the store, never quoting a key.
Neither ``keyring`` nor ``platformdirs`` is imported until a store is actually used.

The file is the user's only copy of their keys, so it is never overwritten blind: it is
replaced atomically (a temporary file in the same folder, fsync, rename), one that others can
read is refused until the user tightens it (as ssh does with its keys), and one that cannot be
read as a key file is reported and left exactly as it is. A change (read, change, replace)
holds a lock on the file's folder (POSIX ``flock``), so two processes storing keys at once
(the CLI and an app's settings page, say) do not lose one another's.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Final, Protocol

from llm_registry.runtime._errors import ConfigError, redact
from llm_registry.runtime._folder_lock import folder_lock
from llm_registry.runtime._keys import checked_key_text

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

__all__ = [
    "KEY_STORE_ENV",
    "FileKeyStore",
    "KeyStore",
    "KeyringKeyStore",
    "default_key_file",
    "default_key_store",
]

KEY_STORE_ENV: Final = "LLM_REGISTRY_KEY_STORE"
KEYRING_SERVICE: Final = "llm-registry"
_STORE_CHOICES: Final = ("keyring", "file")
_FILE_FORMAT: Final = 1
# The user alone: what a key file and its folder may allow (as ssh wants of ~/.ssh).
_FILE_MODE: Final = 0o600
_FOLDER_MODE: Final = 0o700


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
            self._backend = _keyrings_choice()
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


class FileKeyStore:
    """Keys in a JSON file only the user can read (mode 0600, in a folder made 0700).

    The file is ``{"format": 1, "keys": {"<provider id>": "<key>", …}}``.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path).expanduser()

    @property
    def location(self) -> str:
        return f"the file {self.path}"

    def get(self, provider_id: str) -> str | None:
        return self._read().get(provider_id)

    def set(self, provider_id: str, key: str) -> None:
        key = checked_new_key(provider_id, key)

        def put(keys: dict[str, str]) -> bool:
            keys[provider_id] = key
            return True

        self._update(put, create=True)

    def delete(self, provider_id: str) -> bool:
        return self._update(lambda keys: keys.pop(provider_id, None) is not None, create=False)

    def _update(self, change: Callable[[dict[str, str]], bool], *, create: bool) -> bool:
        """Apply ``change`` to the stored keys and write them back if it returns True, under
        the folder's lock; its answer. Without ``create``, a missing folder is no keys."""
        folder = self.path.parent
        if not create and not folder.is_dir():
            return False
        with contextlib.ExitStack() as held:
            try:
                _make_private_folder(folder)
                held.enter_context(folder_lock(folder))
            except OSError as error:
                raise self._write_error(error) from None
            keys = self._read()
            changed = change(keys)
            if changed:
                self._write(keys)
        return changed

    def _read(self) -> dict[str, str]:
        """The keys in the file ({} when there is none yet); a file others can read, or one
        that is not a key file, is a :class:`ConfigError` and stays as it is."""
        try:
            with open(self.path, "rb") as file:
                self._check_private(os.fstat(file.fileno()))
                raw = file.read()
        except FileNotFoundError:
            return {}
        except OSError as error:
            raise ConfigError(f"cannot read the key file {self.path}: {error.strerror}") from None
        return self._parsed(raw)

    def _check_private(self, status: os.stat_result) -> None:
        if os.name != "posix":
            return  # Windows: the file is in the user's own profile, guarded by its ACL
        loose = stat.S_IMODE(status.st_mode) & 0o077
        if loose:
            raise ConfigError(
                f"the key file {self.path} can be read or changed by other users (mode "
                f"{stat.S_IMODE(status.st_mode):o}); its keys are not used until you run: "
                f"chmod 600 {self.path}"
            )
        if status.st_uid != os.getuid():
            raise ConfigError(
                f"the key file {self.path} belongs to another user; its keys are not used "
                "until it is yours (chown it, or remove it)"
            )

    def _parsed(self, raw: bytes) -> dict[str, str]:
        try:
            document = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise self._corrupt("it is not UTF-8 text") from None
        except json.JSONDecodeError as error:
            # Only the position: the parser's excerpt of the document could hold a key.
            raise self._corrupt(
                f"it is not valid JSON (line {error.lineno}, column {error.colno})"
            ) from None
        keys = document.get("keys") if isinstance(document, dict) else None
        if not isinstance(document, dict) or document.get("format") != _FILE_FORMAT:
            raise self._corrupt(f'it is not an object with "format": {_FILE_FORMAT}')
        if not isinstance(keys, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in keys.items()
        ):
            raise self._corrupt('its "keys" is not an object of provider id to key text')
        return dict(keys)

    def _corrupt(self, problem: str) -> ConfigError:
        return ConfigError(
            f"the key file {self.path} cannot be used: {problem}; it was left as it is: fix "
            "it, or move it away to start a new one"
        )

    def _write(self, keys: dict[str, str]) -> None:
        document = {"format": _FILE_FORMAT, "keys": dict(sorted(keys.items()))}
        data = (json.dumps(document, indent=2) + "\n").encode("utf-8")
        folder = self.path.parent
        try:
            # mkstemp creates the file 0600, so the key is never readable by others, not even
            # for the instant before the rename.
            handle, temp_name = tempfile.mkstemp(
                dir=folder, prefix=f".{self.path.name}.", suffix=".tmp"
            )
            try:
                with os.fdopen(handle, "wb") as temp:
                    temp.write(data)
                    temp.flush()
                    os.fsync(temp.fileno())
                os.replace(temp_name, self.path)
            except BaseException:
                Path(temp_name).unlink(missing_ok=True)
                raise
            _sync_folder(folder)
        except OSError as error:
            raise self._write_error(error) from None

    def _write_error(self, error: OSError) -> ConfigError:
        return ConfigError(
            f"cannot write the key file {self.path}: {error.strerror or error}; "
            "the file was left as it was"
        )


def _make_private_folder(folder: Path) -> None:
    """Create ``folder`` (and its parents) if missing, the folder itself 0700; an existing
    folder is left as the user made it."""
    if folder.is_dir():
        return
    folder.mkdir(parents=True, mode=_FOLDER_MODE, exist_ok=True)
    if os.name == "posix":
        os.chmod(folder, _FOLDER_MODE)  # whatever the umask


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX; elsewhere a folder cannot be opened)."""
    if os.name != "posix":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


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
    backend = _keyrings_choice()
    if _usable(backend):
        return KeyringKeyStore(backend=backend)
    if forced == "keyring":
        raise ConfigError(
            f"{KEY_STORE_ENV}=keyring, but keyring has no usable backend here "
            f"({type(backend).__module__}.{type(backend).__name__}); install one, or set "
            f"{KEY_STORE_ENV}=file"
        )
    return FileKeyStore(default_key_file())


def _keyrings_choice() -> KeyringBackend:
    """The backend keyring chose (or an app set with ``keyring.set_keyring``)."""
    import keyring

    try:
        return keyring.get_keyring()
    except Exception as error:  # a keyringrc.cfg or PYTHON_KEYRING_BACKEND naming no backend
        raise ConfigError(
            f"keyring could not load its backend ({type(error).__name__}: {error}); fix "
            f"PYTHON_KEYRING_BACKEND or keyring's keyringrc.cfg, or set {KEY_STORE_ENV}=file"
        ) from None


def _usable(backend: KeyringBackend) -> bool:
    """Whether ``backend`` can keep a key: not keyring's failing or null placeholder, nor a
    chainer with nothing to chain."""
    from keyring.backends import chainer, fail, null

    if isinstance(backend, fail.Keyring | null.Keyring):
        return False  # none at all, or keyring turned off by the user (`keyring --disable`)
    if isinstance(backend, chainer.ChainerBackend):
        return len(backend.backends) > 0
    return True
