"""The package root is the whole public surface, and importing it stays cheap."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from llm_registry import runtime
from tests.fixture_registry import CompiledRegistry

PROJECT_ROOT = Path(__file__).resolve().parents[2]
HEAVY_MODULES = ["openai", "httpx", "httpx2", "httpx_sse", "yaml", "jsonschema", "pydantic"]


def test_all_is_sorted_and_every_name_exists() -> None:
    names = runtime.__all__
    assert names == sorted(names)
    assert len(set(names)) == len(names)
    for name in names:
        assert hasattr(runtime, name), name
    # Every name loaded on first use is exported, and only through its own module.
    assert set(runtime._LAZY_EXPORTS) <= set(names)


def test_private_modules_stay_private() -> None:
    for name in runtime.__all__:
        assert not name.startswith("_")


def test_providers_is_the_function_even_after_every_module_is_loaded() -> None:
    import llm_registry.runtime._chat.anthropic
    import llm_registry.runtime._chat.gemini
    import llm_registry.runtime._chat.openai_compatible  # noqa: F401

    assert callable(runtime.providers)
    assert runtime.providers()[0].id == runtime.get_provider(runtime.providers()[0].id).id


def loaded_modules(code: str, *, path: Path = PROJECT_ROOT) -> list[str]:
    """Run ``code`` in a fresh interpreter; the module names it prints (as JSON). It sees no
    key of the user's: the key store is the file in the test's own config folder."""
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        env={
            "PYTHONPATH": str(path),
            "PATH": "/usr/bin:/bin",
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
            "XDG_CONFIG_HOME": os.environ["XDG_CONFIG_HOME"],
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    loaded: list[str] = json.loads(result.stdout)
    return loaded


def test_the_registry_contract_is_exported() -> None:
    assert runtime.default_registry().package == "llm_registry.curated"
    assert runtime.load_registry("llm_registry.curated") is runtime.default_registry()
    assert {"Registry", "default_registry", "load_registry"} <= set(runtime.__all__)


def test_an_app_registry_loads_no_sdk_http_client_or_schema_library(
    compiled_registry: CompiledRegistry,
) -> None:
    code = (
        "import sys, json\n"
        "from llm_registry import runtime\n"
        f"registry = runtime.load_registry({compiled_registry.package!r})\n"
        "runtime.parse_model_id('wire-openai::plain-model', registry=registry)\n"
        "runtime.can_proceed('wire-anthropic', registry=registry)\n"
        "runtime.create_provider('wire-local', registry=registry)\n"
        f"print(json.dumps([m for m in {HEAVY_MODULES!r} if m in sys.modules]))\n"
    )
    assert loaded_modules(code, path=compiled_registry.import_root) == []


def test_streaming_loads_the_sdk_it_needs(compiled_registry: CompiledRegistry) -> None:
    # The check above is meaningful: these modules are what a stream brings in.
    code = (
        "import sys, json, asyncio\n"
        "from llm_registry import runtime\n"
        f"registry = runtime.load_registry({compiled_registry.package!r})\n"
        "p = runtime.create_provider('wire-local', registry=registry, timeout=2)\n"
        "try:\n"
        "    asyncio.run(runtime.collect(p.stream('m', [runtime.UserMessage('hi')])))\n"
        "except runtime.ProviderUnavailableError:\n"
        "    pass\n"
        f"print(json.dumps([m for m in {HEAVY_MODULES!r} if m in sys.modules]))\n"
    )
    assert {"openai", "httpx2"} <= set(loaded_modules(code, path=compiled_registry.import_root))
