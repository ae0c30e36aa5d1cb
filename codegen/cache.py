"""The compiler's one place in the user's cache folder (never the project's)."""

from __future__ import annotations

from pathlib import Path

APP_NAME = "llm-provider-registry"


def cache_path(*parts: str) -> Path:
    """A path under the user's cache folder for this tool (platformdirs: on Linux
    ``$XDG_CACHE_HOME/llm-provider-registry``, else ``~/.cache/llm-provider-registry``)."""
    from platformdirs import user_cache_dir  # a runtime dependency; imported when caching

    return Path(user_cache_dir(APP_NAME), *parts)
