"""The compiler's one place in the user's cache folder (never the project's)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "llm-provider-registry"


def cache_path(*parts: str) -> Path:
    """A path under the user's cache folder for this tool: platformdirs' user cache folder.

    On Linux that is ``$XDG_CACHE_HOME/llm-provider-registry`` (else under ``~/.cache``),
    computed here as platformdirs computes it: importing platformdirs (tempfile, shutil,
    random) would cost a no-op generate, which reads its stamp from here, a good part of its
    time.
    """
    if sys.platform.startswith("linux"):
        cache = os.environ.get("XDG_CACHE_HOME", "").strip() or os.path.expanduser("~/.cache")
        return Path(cache, APP_NAME, *parts)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir(APP_NAME), *parts)
