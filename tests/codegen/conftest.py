from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# The descriptor of the issue that defined the format: exactly the required keys.
ACME = """\
id: acme
display_name: Acme AI
base_url: https://api.acme.example/v1
implementation: openai_compatible
api_key:
  env: ACME_API_KEY
  placeholder: "acme-..."
  url: https://console.acme.example/keys
context_limit_patterns:
  - "context length"
discovery:
  dialect: openai
default_models:
  - id: acme-large
    display_name: Acme Large
    context_window: 131072
    max_output_tokens: 8192
    attachments: [text, image, webpage]
    pricing:
      input_per_million: 1.5
      output_per_million: 6.0
"""

# ACME up to its model list, and one model entry of it with extra lifecycle lines (status,
# since, replaced_by, deprecated), for registries that differ only in their models.
ACME_HEAD = ACME.split("default_models:")[0] + "default_models:\n"


def acme_model(model_id: str, *lifecycle: str) -> str:
    lines = [
        f"  - id: {model_id}",
        f"    display_name: {model_id.title()}",
        "    context_window: 131072",
        "    max_output_tokens: 8192",
        "    attachments: [text]",
        "    pricing: {input_per_million: 1, output_per_million: 4}",
        *(f"    {line}" for line in lifecycle),
    ]
    return "\n".join(lines) + "\n"


SAFE_SVG = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><circle cx="12" cy="12" r="10"/></svg>\n'

RegistryFactory = Callable[..., Path]


@pytest.fixture
def make_registry(tmp_path: Path) -> RegistryFactory:
    """Writes a registry folder: descriptors by id (text) and logos by file name."""

    def make(
        descriptors: dict[str, str],
        logos: dict[str, str] | None = None,
        name: str = "registry",
    ) -> Path:
        root = tmp_path / name
        shutil.rmtree(root, ignore_errors=True)
        (root / "providers").mkdir(parents=True)
        (root / "logos").mkdir()
        for stem, text in descriptors.items():
            (root / "providers" / f"{stem}.yaml").write_text(text, encoding="utf-8")
        for file_name, svg in (logos or {}).items():
            (root / "logos" / file_name).write_text(svg, encoding="utf-8")
        return root

    return make


# generate's stamps (and the cached descriptor types) go to a cache folder of the test run's own.
_CACHE_HOME = tempfile.mkdtemp(prefix="codegen-test-cache-")


def cache_home() -> str:
    return _CACHE_HOME


def codegen_env(**extra: str) -> dict[str, str]:
    """The environment a compiler subprocess of the tests runs in (plus ``extra``)."""
    return {
        "PYTHONPATH": str(PROJECT_ROOT),
        "PATH": "/usr/bin:/bin",
        "XDG_CACHE_HOME": _CACHE_HOME,
        **extra,
    }


def run_codegen(*args: str, cwd: Path = PROJECT_ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "llm_registry.codegen", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env=codegen_env(),
    )
