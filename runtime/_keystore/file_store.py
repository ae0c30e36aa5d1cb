"""The file key store: keys in a JSON file only the user can read.

The file is the user's only copy of their keys, so it is never overwritten blind: it is
replaced atomically (a temporary file in the same folder, fsync, rename), one that others can
read is refused until the user tightens it (as ssh does with its keys), and one that cannot be
read as a key file is reported and left exactly as it is. A change (read, change, replace)
holds a lock on the file's folder (POSIX ``flock``, `runtime._folder_lock`), so two processes
storing keys at once (the CLI and an app's settings page, say) do not lose one another's.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Final

from llm_registry.runtime._errors import ConfigError
from llm_registry.runtime._folder_lock import folder_lock
from llm_registry.runtime._keystore.base import checked_new_key

__all__ = ["FileKeyStore"]

_FILE_FORMAT: Final = 1
# The user alone: what a key file and its folder may allow (as ssh wants of ~/.ssh).
_FILE_MODE: Final = 0o600
_FOLDER_MODE: Final = 0o700


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
